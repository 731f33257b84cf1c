package dev.protostar.backend.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The questions a user may ask per UTC day, counted in Redis by the
 * {@link RateLimiter} (one counter per user and day, shared by both colours).
 * The chat feature counts each question here; the account feature shows how
 * many are used (GET /api/me). One class, so the counter's key is spelt once.
 */
@Component
public class DailyQuestionQuota {

	private static final Log logger = LogFactory.getLog(DailyQuestionQuota.class);

	private final RateLimiter limiter;

	private final StringRedisTemplate redis;

	private final Clock clock;

	public DailyQuestionQuota(RateLimiter limiter, StringRedisTemplate redis, Clock clock) {
		this.limiter = limiter;
		this.redis = redis;
		this.clock = clock;
	}

	/**
	 * Counts one question of today against {@code limit}; allowed when Redis is
	 * unreachable (see {@link RateLimiter#tryAcquire}).
	 */
	public RateLimitDecision tryAcquire(UUID userId, int limit) {
		Instant now = this.clock.instant();
		return this.limiter.tryAcquire("questions", key(userId, now), limit, Duration.between(now, resetsAt(now)));
	}

	/**
	 * Questions counted today, at most {@code limit} (refused attempts count
	 * too, but are not questions asked); null when Redis cannot tell.
	 */
	public Long usedToday(UUID userId, int limit) {
		try {
			String count = this.redis.opsForValue().get(RateLimiter.KEY_PREFIX + key(userId, this.clock.instant()));
			return (count != null) ? Math.min(Long.parseLong(count), limit) : 0L;
		}
		catch (DataAccessException ex) {
			logger.debug("Could not read the question count of user " + userId + ": " + ex);
			return null;
		}
	}

	/** When today's count starts again: the next midnight UTC. */
	public Instant resetsAt() {
		return resetsAt(this.clock.instant());
	}

	private static Instant resetsAt(Instant now) {
		return LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
	}

	private static String key(UUID userId, Instant now) {
		return "questions:" + userId + ":" + LocalDate.ofInstant(now, ZoneOffset.UTC);
	}

}
