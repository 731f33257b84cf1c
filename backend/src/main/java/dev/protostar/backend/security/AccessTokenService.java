package dev.protostar.backend.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Service;

import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.tier.Tier;

/**
 * Issues and checks access tokens: JWTs signed with HS256, typed
 * {@code at+jwt} (RFC 9068), so that no other JWT signed with the same key (an
 * ID token, a future link token) passes as one.
 * <p>
 * Verification accepts exactly what {@link #issue} produces and nothing else:
 * the algorithm is pinned (a token may not choose {@code none}, RS256 or
 * HS512 for itself), the signature is checked before any claim is believed,
 * and expiry is only reported for a token whose signature is valid.
 * <p>
 * <b>Keys.</b> The current key ({@code JWT_SECRET}) signs; it and the previous
 * one ({@code JWT_PREVIOUS_SECRET}) are accepted. The header's {@code kid}
 * names the key: the first 8 hex digits of the key's SHA-256, so a rotation
 * needs no setting besides the two keys. A token naming no known key is
 * refused; one without {@code kid} (issued before key ids) is checked against
 * both keys.
 * <p>
 * <b>Claims.</b> Besides who ({@code sub}) and until when, a token carries the
 * user's tier (for clients to read; the backend authorises from the current
 * tier, see SecurityStates), the user's security version ({@code sv}) at issue,
 * whose being older than the user's current {@code tokensValidFrom} means
 * revoked, and the session it was issued to ({@code sid}, the refresh-token
 * family).
 */
@Service
public class AccessTokenService {

	static final String ISSUER = "protostar";

	static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");

	static final String TIER_CLAIM = "tier";

	static final String SECURITY_VERSION_CLAIM = "sv";

	static final String SESSION_CLAIM = "sid";

	/** Tolerated clock difference between the backend colours. */
	private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

	private static final Log logger = LogFactory.getLog(AccessTokenService.class);

	private final SigningKey current;

	/** The key before the last rotation, or null. */
	private final SigningKey previous;

	private final Duration ttl;

	private final Clock clock;

	@Autowired
	AccessTokenService(AuthProperties properties, Clock clock) {
		this(keyFrom(properties), previousKeyFrom(properties), properties.accessTokenTtl(), clock);
	}

	AccessTokenService(byte[] key, byte[] previousKey, Duration ttl, Clock clock) {
		this.current = SigningKey.of(key, "JWT_SECRET");
		SigningKey before = (previousKey != null) ? SigningKey.of(previousKey, "JWT_PREVIOUS_SECRET") : null;
		// The same key twice is one key.
		this.previous = (before != null && !before.kid().equals(this.current.kid())) ? before : null;
		this.ttl = ttl;
		this.clock = clock;
	}

	private static byte[] keyFrom(AuthProperties properties) {
		if (properties.jwtSecret() == null || properties.jwtSecret().isBlank()) {
			logger.warn("JWT_SECRET is not set: using a random key, so tokens do not survive a restart and are "
					+ "not accepted by another instance (the production profile refuses to start like this)");
			byte[] key = new byte[AuthProperties.MIN_SECRET_BYTES];
			new SecureRandom().nextBytes(key);
			return key;
		}
		return properties.jwtSecret().getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] previousKeyFrom(AuthProperties properties) {
		String previous = properties.jwtPreviousSecret();
		return (previous == null || previous.isBlank()) ? null : previous.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * @param securityVersion the user's security version now (claim {@code sv})
	 * @param sessionId the session (refresh-token family) the token is issued to
	 */
	public IssuedAccessToken issue(UUID userId, Tier tier, long securityVersion, UUID sessionId) {
		Instant now = this.clock.instant();
		Instant expiresAt = now.plus(this.ttl);
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER)
			.subject(userId.toString())
			.claim(TIER_CLAIM, tier.name())
			.claim(SECURITY_VERSION_CLAIM, securityVersion)
			.claim(SESSION_CLAIM, sessionId.toString())
			.issueTime(Date.from(now))
			.expirationTime(Date.from(expiresAt))
			.jwtID(UUID.randomUUID().toString())
			.build();
		SignedJWT jwt = new SignedJWT(
				new JWSHeader.Builder(JWSAlgorithm.HS256).type(TYPE).keyID(this.current.kid()).build(), claims);
		try {
			jwt.sign(this.current.signer());
		}
		catch (JOSEException ex) {
			throw new IllegalStateException("Could not sign an access token", ex);
		}
		return new IssuedAccessToken(jwt.serialize(), this.ttl.toSeconds(), expiresAt);
	}

	VerifiedAccessToken verify(String token) throws InvalidAccessTokenException {
		SignedJWT jwt;
		try {
			// Fails for unsigned ("alg": "none") tokens and encrypted ones too.
			jwt = SignedJWT.parse(token);
		}
		catch (ParseException ex) {
			throw invalid("not a signed JWT");
		}
		JWSHeader header = jwt.getHeader();
		if (!JWSAlgorithm.HS256.equals(header.getAlgorithm())) {
			throw invalid("unexpected algorithm");
		}
		if (!TYPE.equals(header.getType())) {
			throw invalid("not an access token");
		}
		if (!signedByAcceptedKey(jwt, header.getKeyID())) {
			throw invalid("bad signature");
		}
		try {
			JWTClaimsSet claims = jwt.getJWTClaimsSet();
			if (!ISSUER.equals(claims.getIssuer())) {
				throw invalid("unexpected issuer");
			}
			Date expiration = claims.getExpirationTime();
			if (expiration == null) {
				throw invalid("no expiry");
			}
			if (expiration.toInstant().plus(CLOCK_SKEW).isBefore(this.clock.instant())) {
				throw new InvalidAccessTokenException(ResultCode.TOKEN_EXPIRED, "access token expired");
			}
			String tier = claims.getStringClaim(TIER_CLAIM);
			if (claims.getSubject() == null || tier == null) {
				throw invalid("missing claims");
			}
			// Tokens of the release before had neither: version 0 is what every
			// user had then, and they belong to no listed session.
			Long version = claims.getLongClaim(SECURITY_VERSION_CLAIM);
			String session = claims.getStringClaim(SESSION_CLAIM);
			return new VerifiedAccessToken(UUID.fromString(claims.getSubject()), Tier.valueOf(tier),
					(version != null) ? version : 0, (session != null) ? UUID.fromString(session) : null);
		}
		catch (ParseException | IllegalArgumentException ex) {
			throw invalid("malformed claims");
		}
	}

	/** The key the header names; without a name, either key. */
	private boolean signedByAcceptedKey(SignedJWT jwt, String kid) {
		if (kid != null) {
			SigningKey key = this.current.kid().equals(kid) ? this.current
					: (this.previous != null && this.previous.kid().equals(kid)) ? this.previous : null;
			return key != null && key.verifies(jwt);
		}
		return this.current.verifies(jwt) || (this.previous != null && this.previous.verifies(jwt));
	}

	private static InvalidAccessTokenException invalid(String why) {
		return new InvalidAccessTokenException(ResultCode.INVALID_TOKEN, "invalid access token (" + why + ")");
	}

	/**
	 * An HS256 key and its id.
	 *
	 * @param kid the first 8 hex digits of the key's SHA-256
	 */
	private record SigningKey(String kid, MACSigner signer, MACVerifier verifier) {

		static SigningKey of(byte[] key, String setting) {
			try {
				String kid = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key)).substring(0, 8);
				return new SigningKey(kid, new MACSigner(key), new MACVerifier(key));
			}
			catch (JOSEException ex) {
				throw new IllegalArgumentException(setting + " is not a usable HS256 key", ex);
			}
			catch (NoSuchAlgorithmException ex) {
				throw new IllegalStateException("SHA-256 is part of every JDK", ex);
			}
		}

		boolean verifies(SignedJWT jwt) {
			try {
				// MACVerifier also refuses headers marking unknown parameters critical.
				return jwt.verify(this.verifier);
			}
			catch (JOSEException | IllegalStateException ex) {
				return false;
			}
		}

	}

	/**
	 * @param token the compact JWT
	 * @param expiresIn seconds until it expires
	 * @param expiresAt when it expires
	 */
	public record IssuedAccessToken(String token, long expiresIn, Instant expiresAt) {
	}

}
