package dev.protostar.backend;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Access tokens made by hand, good and bad, signed with the integration tests'
 * {@code JWT_SECRET} unless a test is about another key.
 */
public final class TestTokens {

	private TestTokens() {
	}

	public static String valid(UUID userId, String tier) {
		return hs256(claims(userId, tier, "protostar", Instant.now().plus(Duration.ofMinutes(5))), "at+jwt");
	}

	public static String expired() {
		return hs256(claims(UUID.randomUUID(), "GUEST", "protostar", Instant.now().minus(Duration.ofHours(1))),
				"at+jwt");
	}

	public static String wrongIssuer() {
		return hs256(claims(UUID.randomUUID(), "GUEST", "someone-else", Instant.now().plus(Duration.ofMinutes(5))),
				"at+jwt");
	}

	/** A plain JWT, e.g. an ID token: same key, but not an access token. */
	public static String wrongType() {
		return hs256(claims(UUID.randomUUID(), "GUEST", "protostar", Instant.now().plus(Duration.ofMinutes(5))), "JWT");
	}

	public static String signedWithOtherSecret() {
		return sign(JWSAlgorithm.HS256, "at+jwt", mac("another-secret-of-at-least-32-bytes!!"),
				claims(UUID.randomUUID(), "ADMIN", "protostar", Instant.now().plus(Duration.ofMinutes(5))));
	}

	/** Valid token whose payload is swapped for one claiming ADMIN, signature kept. */
	public static String tamperedPayload(UUID userId) {
		String[] parts = valid(userId, "GUEST").split("\\.");
		String payload = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(claims(userId, "ADMIN", "protostar", Instant.now().plus(Duration.ofMinutes(5))).toString()
				.getBytes(StandardCharsets.UTF_8));
		return parts[0] + "." + payload + "." + parts[2];
	}

	/** Valid token with one signature character changed. */
	public static String tamperedSignature(UUID userId) {
		String token = valid(userId, "GUEST");
		char last = token.charAt(token.length() - 5);
		return token.substring(0, token.length() - 5) + ((last == 'A') ? 'B' : 'A') + token.substring(token.length() - 4);
	}

	/** {"alg":"none"}: claims without any signature. */
	public static String algNone(UUID userId) {
		String header = base64("{\"alg\":\"none\",\"typ\":\"at+jwt\"}");
		String payload = base64(claims(userId, "ADMIN", "protostar", Instant.now().plus(Duration.ofMinutes(5))).toString());
		return header + "." + payload + ".";
	}

	/** HS512 with the right secret: valid signature, algorithm not the pinned one. */
	public static String hs512(UUID userId) {
		return sign(JWSAlgorithm.HS512, "at+jwt", mac(IntegrationTestSupport.JWT_SECRET + "-longer-for-hs512-keys-64-bytes!!"),
				claims(userId, "ADMIN", "protostar", Instant.now().plus(Duration.ofMinutes(5))));
	}

	/** RS256 with a key of the attacker's: a verifier that trusts the header would need the public key. */
	public static String rs256(UUID userId) {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			RSAPrivateKey key = (RSAPrivateKey) generator.generateKeyPair().getPrivate();
			return sign(JWSAlgorithm.RS256, "at+jwt", new RSASSASigner(key),
					claims(userId, "ADMIN", "protostar", Instant.now().plus(Duration.ofMinutes(5))));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static JWTClaimsSet claims(UUID userId, String tier, String issuer, Instant expiry) {
		return new JWTClaimsSet.Builder().issuer(issuer)
			.subject(userId.toString())
			.claim("tier", tier)
			.issueTime(Date.from(expiry.minus(Duration.ofMinutes(15))))
			.expirationTime(Date.from(expiry))
			.build();
	}

	private static String hs256(JWTClaimsSet claims, String type) {
		return sign(JWSAlgorithm.HS256, type, mac(IntegrationTestSupport.JWT_SECRET), claims);
	}

	private static JWSSigner mac(String secret) {
		try {
			return new MACSigner(secret.getBytes(StandardCharsets.UTF_8));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String sign(JWSAlgorithm algorithm, String type, JWSSigner signer, JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(new JOSEObjectType(type)).build(),
					claims);
			jwt.sign(signer);
			return jwt.serialize();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String base64(String text) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

}
