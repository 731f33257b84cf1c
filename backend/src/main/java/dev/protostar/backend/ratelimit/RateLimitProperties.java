package dev.protostar.backend.ratelimit;

import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Request rate limits, under {@code protostar.rate-limit}. Signed-in users are
 * limited per user by their tier ({@code protostar.tiers.<tier>.requests-per-minute}).
 *
 * @param enabled whether requests are limited at all (env
 * {@code PROTOSTAR_RATE_LIMIT_ENABLED}, default true)
 * @param anonymousPerMinute requests per minute and client address without a
 * token (env {@code PROTOSTAR_RATE_LIMIT_ANONYMOUS_PER_MINUTE}, default 60)
 * @param authPerMinute login and signup attempts per minute and client address
 * (env {@code PROTOSTAR_RATE_LIMIT_AUTH_PER_MINUTE}, default 10), tighter to
 * slow down password guessing
 */
@Validated
@ConfigurationProperties("protostar.rate-limit")
record RateLimitProperties(@DefaultValue("true") boolean enabled,
		@DefaultValue("60") @Positive int anonymousPerMinute, @DefaultValue("10") @Positive int authPerMinute) {
}
