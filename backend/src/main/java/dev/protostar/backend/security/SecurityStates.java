package dev.protostar.backend.security;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.protostar.backend.tier.Tier;

/**
 * The users' current security states (tier, version, revoked tokens), for the
 * check of every authenticated request: a copy in Redis
 * ({@code protostar:user:<id>}, a hash), filled from the source (PostgreSQL) on
 * a miss.
 * <p>
 * <b>Changes</b> write the new state through ({@link #save}) inside the
 * transaction that makes them, so a change Redis cannot take fails (and rolls
 * back) instead of leaving a stale copy; a rollback after the write removes
 * the copy again. Copies carry the security version, and a write never
 * replaces a newer copy with an older one, so a fill that read PostgreSQL just
 * before a change cannot undo it.
 * <p>
 * <b>Redis unavailable</b>: the state comes from PostgreSQL, never from the
 * token; for a few seconds after a failure Redis is not asked at all, so an
 * outage costs one timeout per instance rather than one per request. Changes
 * are refused meanwhile (see above), so the copies are still right when Redis
 * is back.
 * <p>
 * Copies expire after {@link #COPY_TTL}: the bound on how long a copy can be
 * wrong should Redis lose an acknowledged write (its AOF is flushed once a
 * second).
 */
@Component
public class SecurityStates {

	static final String KEY_PREFIX = "protostar:user:";

	static final Duration COPY_TTL = Duration.ofMinutes(5);

	private static final long SKIP_REDIS_MILLIS = 5_000;

	private static final long WARN_EVERY_MILLIS = 30_000;

	private static final Log logger = LogFactory.getLog(SecurityStates.class);

	/** Writes the state unless the copy there is newer; returns 1 if written. */
	private static final RedisScript<Long> SAVE = RedisScript.of("""
			local current = redis.call('HGET', KEYS[1], 'version')
			if current and tonumber(current) > tonumber(ARGV[1]) then
			  return 0
			end
			redis.call('HSET', KEYS[1], 'version', ARGV[1], 'tier', ARGV[2], 'tokensValidFrom', ARGV[3])
			redis.call('PEXPIRE', KEYS[1], ARGV[4])
			return 1
			""", Long.class);

	private final StringRedisTemplate redis;

	private final SecurityStateSource source;

	private final AtomicLong skipRedisUntil = new AtomicLong();

	private final AtomicLong lastWarning = new AtomicLong();

	SecurityStates(StringRedisTemplate redis, SecurityStateSource source) {
		this.redis = redis;
		this.source = source;
	}

	/**
	 * The user's state now.
	 * @return empty when the user does not exist (any more)
	 * @throws DataAccessException when neither Redis nor PostgreSQL can answer
	 */
	public Optional<SecurityState> current(UUID userId) {
		boolean askRedis = System.currentTimeMillis() >= this.skipRedisUntil.get();
		if (askRedis) {
			try {
				SecurityState copy = read(userId);
				if (copy != null) {
					return Optional.of(copy);
				}
			}
			catch (DataAccessException ex) {
				this.skipRedisUntil.set(System.currentTimeMillis() + SKIP_REDIS_MILLIS);
				askRedis = false;
				warnThrottled(ex);
			}
		}
		Optional<SecurityState> stored = this.source.load(userId);
		if (askRedis) {
			stored.ifPresent((state) -> fill(userId, state));
		}
		return stored;
	}

	/**
	 * Writes a changed state through, inside the transaction of the change
	 * (or right after it, without one).
	 * @throws DataAccessException when Redis cannot take it: the caller's
	 * change must fail then
	 */
	public void save(UUID userId, SecurityState state) {
		String key = KEY_PREFIX + userId;
		this.redis.execute(SAVE, List.of(key), Long.toString(state.version()), state.tier().name(),
				Long.toString(state.tokensValidFrom()), Long.toString(COPY_TTL.toMillis()));
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

				@Override
				public void afterCompletion(int status) {
					if (status != STATUS_COMMITTED) {
						forget(key);
					}
				}

			});
		}
	}

	private SecurityState read(UUID userId) {
		List<Object> fields = this.redis.opsForHash()
			.multiGet(KEY_PREFIX + userId, List.of("version", "tier", "tokensValidFrom"));
		if (fields == null || fields.contains(null)) {
			return null;
		}
		return new SecurityState(Tier.valueOf((String) fields.get(1)), Long.parseLong((String) fields.get(0)),
				Long.parseLong((String) fields.get(2)));
	}

	/** Best effort: without the copy, the next request reads PostgreSQL again. */
	private void fill(UUID userId, SecurityState state) {
		try {
			save(userId, state);
		}
		catch (DataAccessException ex) {
			warnThrottled(ex);
		}
	}

	/** A copy written by a change that was rolled back: gone, it is filled again from PostgreSQL. */
	private void forget(String key) {
		try {
			this.redis.delete(key);
		}
		catch (DataAccessException ex) {
			logger.error("Could not remove the copy " + key + " of a rolled back change; it expires within "
					+ COPY_TTL + " (" + ex.getMessage() + ")");
		}
	}

	private void warnThrottled(DataAccessException ex) {
		long now = System.currentTimeMillis();
		long last = this.lastWarning.get();
		if (now - last >= WARN_EVERY_MILLIS && this.lastWarning.compareAndSet(last, now)) {
			logger.warn("Security states are read from PostgreSQL: Redis is unavailable (" + ex.getMessage() + ")");
		}
	}

}
