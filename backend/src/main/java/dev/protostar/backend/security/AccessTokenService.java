package dev.protostar.backend.security;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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
 * Issues and checks access tokens: JWTs signed with HS256 under the shared
 * {@code JWT_SECRET}, typed {@code at+jwt} (RFC 9068), so that no other JWT
 * signed with the same key (an ID token, a future link token) passes as one.
 * <p>
 * Verification accepts exactly what {@link #issue} produces and nothing else:
 * the algorithm is pinned (a token may not choose {@code none}, RS256 or
 * HS512 for itself), the signature is checked before any claim is believed,
 * and expiry is only reported for a token whose signature is valid.
 */
@Service
public class AccessTokenService {

	static final String ISSUER = "protostar";

	static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");

	static final String TIER_CLAIM = "tier";

	/** Tolerated clock difference between the backend colours. */
	private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

	private static final Log logger = LogFactory.getLog(AccessTokenService.class);

	private final MACSigner signer;

	private final MACVerifier verifier;

	private final Duration ttl;

	private final Clock clock;

	@Autowired
	AccessTokenService(AuthProperties properties, Clock clock) {
		this(keyFrom(properties), properties.accessTokenTtl(), clock);
	}

	AccessTokenService(byte[] key, Duration ttl, Clock clock) {
		try {
			this.signer = new MACSigner(key);
			this.verifier = new MACVerifier(key);
		}
		catch (JOSEException ex) {
			throw new IllegalArgumentException("JWT_SECRET is not a usable HS256 key", ex);
		}
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

	public IssuedAccessToken issue(UUID userId, Tier tier) {
		Instant now = this.clock.instant();
		Instant expiresAt = now.plus(this.ttl);
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER)
			.subject(userId.toString())
			.claim(TIER_CLAIM, tier.name())
			.issueTime(Date.from(now))
			.expirationTime(Date.from(expiresAt))
			.jwtID(UUID.randomUUID().toString())
			.build();
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(TYPE).build(), claims);
		try {
			jwt.sign(this.signer);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException("Could not sign an access token", ex);
		}
		return new IssuedAccessToken(jwt.serialize(), this.ttl.toSeconds(), expiresAt);
	}

	AuthenticatedUser verify(String token) throws InvalidAccessTokenException {
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
		try {
			// MACVerifier also refuses headers marking unknown parameters critical.
			if (!jwt.verify(this.verifier)) {
				throw invalid("bad signature");
			}
		}
		catch (JOSEException ex) {
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
			return new AuthenticatedUser(UUID.fromString(claims.getSubject()), Tier.valueOf(tier));
		}
		catch (ParseException | IllegalArgumentException ex) {
			throw invalid("malformed claims");
		}
	}

	private static InvalidAccessTokenException invalid(String why) {
		return new InvalidAccessTokenException(ResultCode.INVALID_TOKEN, "invalid access token (" + why + ")");
	}

	/**
	 * @param token the compact JWT
	 * @param expiresIn seconds until it expires
	 * @param expiresAt when it expires
	 */
	public record IssuedAccessToken(String token, long expiresIn, Instant expiresAt) {
	}

}
