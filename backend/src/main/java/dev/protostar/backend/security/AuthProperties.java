package dev.protostar.backend.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tokens, under {@code protostar.auth}.
 *
 * @param jwtSecret HMAC key for access tokens, used as its UTF-8 bytes (env
 * {@code JWT_SECRET}); at least 32 bytes, because HS256 needs a 256-bit key.
 * All backend instances must share it, or a token issued by one colour is
 * refused by the other. Blank outside production means a random key per
 * process (the production profile refuses to start without one, see
 * ProductionSecrets).
 * @param accessTokenTtl lifetime of an access token (env
 * {@code JWT_ACCESS_TOKEN_TTL}, default 15m); also the longest a tier change
 * or a logout takes to reach a token already issued
 * @param refreshTokenTtl lifetime of a refresh token, renewed with every
 * rotation (env {@code JWT_REFRESH_TOKEN_TTL}, default 14d)
 */
@ConfigurationProperties("protostar.auth")
public record AuthProperties(String jwtSecret, @DefaultValue("15m") Duration accessTokenTtl,
		@DefaultValue("14d") Duration refreshTokenTtl) {

	static final int MIN_SECRET_BYTES = 32;

	public AuthProperties {
		if (jwtSecret != null && !jwtSecret.isBlank()
				&& jwtSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
			throw new IllegalArgumentException("JWT_SECRET must be at least " + MIN_SECRET_BYTES
					+ " bytes (HS256 needs a 256-bit key), e.g. from `openssl rand -hex 32`");
		}
		if (accessTokenTtl.isNegative() || accessTokenTtl.isZero()) {
			throw new IllegalArgumentException("JWT_ACCESS_TOKEN_TTL must be positive");
		}
		if (refreshTokenTtl.isNegative() || refreshTokenTtl.isZero()) {
			throw new IllegalArgumentException("JWT_REFRESH_TOKEN_TTL must be positive");
		}
	}

	@Override
	public String toString() {
		// Keep the key out of logs and failure reports.
		return "AuthProperties[jwtSecret=***, accessTokenTtl=" + this.accessTokenTtl + ", refreshTokenTtl="
				+ this.refreshTokenTtl + "]";
	}

}
