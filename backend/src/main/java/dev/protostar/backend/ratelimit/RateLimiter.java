package dev.protostar.backend.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Counts events per key in Redis and says whether one more is allowed: API
 * requests per minute now, questions per day for the chat feature later.
 * <p>
 * <b>Fixed window</b>: the first event creates a counter that expires after
 * the window; each event increments it (one Lua script, so concurrent requests
 * on both backend colours count exactly). Chosen over a sliding log (one
 * sorted-set entry per event, so memory grows with the limit) and a token
 * bucket (floating-point refill state) because one integer per key is all it
 * stores, the reset time is exact (the key's TTL, which is what Retry-After
 * needs), and a daily quota is naturally a fixed window. The price is that a
 * client can fit up to twice the limit across a window boundary, which is
 * acceptable for protecting the service and slowing password guessing.
 * <p>
 * <b>Fails open</b>: if Redis cannot be reached the event is allowed and a
 * warning logged. A rate limit protects capacity; refusing every request
 * because the limiter is down would turn a Redis outage into a full outage.
 * The limits that guard passwords and refresh tokens are the exception
 * ({@link #tryAcquireOrFail}): unlimited, they would let anyone test
 * passwords as fast as the backend hashes them, and what those endpoints do
 * needs Redis anyway.
 * <p>
 * Every refusal is counted ({@code protostar.rate.limited}, by kind), here
 * rather than by each caller, so a new limit cannot forget its metric.
 */
@Component
public class RateLimiter {

	static final String KEY_PREFIX = "protostar:ratelimit:";

	// Returns {count after this event, milliseconds until the window ends}.
	// The PTTL guard repairs a counter that lost its expiry (it would
	// otherwise block its key forever).
	private static final RedisScript<List> FIXED_WINDOW = RedisScript.of("""
			local count = redis.call('INCR', KEYS[1])
			if count == 1 then
			  redis.call('PEXPIRE', KEYS[1], ARGV[1])
			end
			local ttl = redis.call('PTTL', KEYS[1])
			if ttl < 0 then
			  redis.call('PEXPIRE', KEYS[1], ARGV[1])
			  ttl = tonumber(ARGV[1])
			end
			return {count, ttl}
			""", List.class);

	private static final long WARN_EVERY_MILLIS = 30_000;

	private static final Log logger = LogFactory.getLog(RateLimiter.class);

	private final StringRedisTemplate redis;

	private final MeterRegistry meters;

	private final AtomicLong lastWarning = new AtomicLong();

	public RateLimiter(StringRedisTemplate redis, MeterRegistry meters) {
		this.redis = redis;
		this.meters = meters;
	}

	/**
	 * Counts one event for {@code key} and decides whether it is allowed.
	 * @param kind which limit this is, the {@code kind} tag of the refusals'
	 * counter: {@code auth} (login and signup per address), {@code user} (per
	 * user and tier), {@code anonymous} (per address), {@code questions} (the
	 * daily question quota)
	 * @param key what is counted, e.g. {@code user:<id>} or {@code ip:<address>}
	 * @param limit events allowed per window
	 * @param window length of a window
	 */
	public RateLimitDecision tryAcquire(String kind, String key, long limit, Duration window) {
		try {
			return tryAcquireOrFail(kind, key, limit, window);
		}
		catch (DataAccessException ex) {
			warnThrottled(ex);
			return new RateLimitDecision(true, limit, limit, window);
		}
	}

	/**
	 * Like {@link #tryAcquire}, but fails closed.
	 * @throws DataAccessException when Redis cannot count the event
	 */
	RateLimitDecision tryAcquireOrFail(String kind, String key, long limit, Duration window) {
		List<?> result = this.redis.execute(FIXED_WINDOW, List.of(KEY_PREFIX + key), Long.toString(window.toMillis()));
		long count = ((Number) result.get(0)).longValue();
		long ttlMillis = ((Number) result.get(1)).longValue();
		if (count > limit) {
			countRefused(kind);
		}
		return new RateLimitDecision(count <= limit, limit, Math.max(0, limit - count), Duration.ofMillis(ttlMillis));
	}

	private void countRefused(String kind) {
		Counter.builder("protostar.rate.limited")
			.description("Requests refused by a rate limit (429), by kind")
			.tag("kind", kind)
			.register(this.meters)
			.increment();
	}

	/** One warning per 30 s: every request would otherwise log one during an outage. */
	private void warnThrottled(DataAccessException ex) {
		long now = System.currentTimeMillis();
		long last = this.lastWarning.get();
		if (now - last >= WARN_EVERY_MILLIS && this.lastWarning.compareAndSet(last, now)) {
			logger.warn("Rate limits are not enforced: Redis is unavailable (" + ex.getMessage() + ")");
		}
	}

}
