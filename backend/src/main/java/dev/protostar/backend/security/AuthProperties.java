package dev.protostar.backend.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tokens and sessions, under {@code protostar.auth}.
 *
 * @param jwtSecret HMAC key that signs access tokens, used as its UTF-8 bytes
 * (env {@code JWT_SECRET}); at least 32 bytes, because HS256 needs a 256-bit
 * key. All backend instances must share it, or a token issued by one colour is
 * refused by the other. Blank outside production means a random key per
 * process (the production profile refuses to start without one, see
 * ProductionSecrets).
 * @param jwtPreviousSecret the key before the last rotation (env
 * {@code JWT_PREVIOUS_SECRET}, optional): tokens it signed are still accepted,
 * none is signed with it, so rotating the key signs nobody out. Same rules as
 * {@code JWT_SECRET}.
 * @param accessTokenTtl lifetime of an access token (env
 * {@code JWT_ACCESS_TOKEN_TTL}, default 15m); tier changes and revocations
 * reach tokens already issued at once (see SecurityStates), so this only
 * bounds how long a token is replayable
 * @param refreshTokenTtl the sliding lifetime of a session: how long a refresh
 * token is valid, renewed with every rotation (env {@code JWT_REFRESH_TOKEN_TTL},
 * default 14d)
 * @param sessionMaxAge the absolute lifetime of a session: however often it is
 * refreshed, a session ends this long after its login (env
 * {@code JWT_SESSION_MAX_AGE}, default 30d), so a stolen refresh token does not
 * last forever
 */
@ConfigurationProperties("protostar.auth")
public record AuthProperties(String jwtSecret, String jwtPreviousSecret, @DefaultValue("15m") Duration accessTokenTtl,
		@DefaultValue("14d") Duration refreshTokenTtl, @DefaultValue("30d") Duration sessionMaxAge) {

	static final int MIN_SECRET_BYTES = 32;

	public AuthProperties {
		checkSecret("JWT_SECRET", jwtSecret);
		checkSecret("JWT_PREVIOUS_SECRET", jwtPreviousSecret);
		if (accessTokenTtl.isNegative() || accessTokenTtl.isZero()) {
			throw new IllegalArgumentException("JWT_ACCESS_TOKEN_TTL must be positive");
		}
		if (refreshTokenTtl.isNegative() || refreshTokenTtl.isZero()) {
			throw new IllegalArgumentException("JWT_REFRESH_TOKEN_TTL must be positive");
		}
		if (sessionMaxAge.isNegative() || sessionMaxAge.isZero()) {
			throw new IllegalArgumentException("JWT_SESSION_MAX_AGE must be positive");
		}
	}

	private static void checkSecret(String name, String secret) {
		if (secret != null && !secret.isBlank() && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
			throw new IllegalArgumentException(name + " must be at least " + MIN_SECRET_BYTES
					+ " bytes (HS256 needs a 256-bit key), e.g. from `openssl rand -hex 32`");
		}
	}

	@Override
	public String toString() {
		// Keep the keys out of logs and failure reports.
		return "AuthProperties[jwtSecret=***, jwtPreviousSecret=***, accessTokenTtl=" + this.accessTokenTtl
				+ ", refreshTokenTtl=" + this.refreshTokenTtl + ", sessionMaxAge=" + this.sessionMaxAge + "]";
	}

}
