package dev.protostar.backend.ratelimit;

import java.time.Duration;

/**
 * The answer of {@link RateLimiter#tryAcquire}.
 *
 * @param allowed whether this request is within the limit
 * @param limit requests allowed per window
 * @param remaining requests left in the current window
 * @param resetAfter time until the current window ends
 */
public record RateLimitDecision(boolean allowed, long limit, long remaining, Duration resetAfter) {

	/** Seconds until the window ends, rounded up: what Retry-After and RateLimit-Reset carry. */
	public long resetAfterSeconds() {
		long millis = this.resetAfter.toMillis();
		return Math.max(1, (millis + 999) / 1000);
	}

}
