package dev.protostar.backend.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.security.AuthProperties;

/**
 * Sessions and their refresh tokens. A refresh token is 256 random bits,
 * given to the client once and stored in Redis only as its SHA-256 (a leaked
 * Redis dump holds nothing usable).
 * <p>
 * Each login starts a session, a <em>family</em> of refresh tokens; every
 * refresh replaces the presented token with a new one of the same family
 * (rotation). The replaced token is kept, marked rotated, until it would have
 * expired: presenting it again means two parties hold the same family, one of
 * them a thief, so the whole family is revoked and both must log in again
 * (OAuth 2.0 Security BCP, refresh token rotation). Revoking deletes the
 * family key; its tokens then fail because their family is gone, and expire
 * by themselves.
 * <p>
 * <b>Lifetimes.</b> A family lives {@code JWT_REFRESH_TOKEN_TTL} after its
 * last use (sliding) but never past {@code JWT_SESSION_MAX_AGE} after its
 * login (absolute), so a stolen refresh token cannot be kept alive forever.
 * Both are checked with the application's clock; the keys' expiry in Redis
 * follows them only to clean up.
 * <p>
 * <b>Keys</b> (all under {@code protostar:refresh:}): {@code token:<sha256>} →
 * hash {family, user, state}; {@code family:<id>} → hash {user, sv (the user's
 * security version at login), created, used, expires (epoch ms), device,
 * address}; {@code user:<id>} → set of the user's family ids, for the session
 * list and "sign out everywhere", pruned as families disappear. Families of
 * the release before had no times and no index entry: their first rotation
 * adds both, their lifetimes counting from then.
 * <p>
 * Each operation is one Lua script, so two requests presenting the same token
 * at once cannot both rotate it. The scripts build keys from the data they
 * read, which is fine on a single Redis (not on Redis Cluster).
 * <p>
 * Redis being unavailable is answered 503 {@code SERVICE_UNAVAILABLE}: without
 * Redis there are no sessions to start, refresh or end.
 */
@Component
class RefreshTokenStore {

	private static final String TOKEN_PREFIX = "protostar:refresh:token:";

	private static final String FAMILY_PREFIX = "protostar:refresh:family:";

	private static final String USER_PREFIX = "protostar:refresh:user:";

	/** Longest User-Agent kept as a session's device. */
	static final int DEVICE_MAX = 200;

	private static final RedisScript<Long> ISSUE = RedisScript.of("""
			redis.call('HSET', KEYS[2], 'user', ARGV[2], 'sv', ARGV[3], 'created', ARGV[4], 'used', ARGV[4],
			  'expires', ARGV[6], 'device', ARGV[8], 'address', ARGV[9])
			redis.call('PEXPIRE', KEYS[2], ARGV[5])
			redis.call('HSET', KEYS[1], 'family', ARGV[1], 'user', ARGV[2], 'state', 'active')
			redis.call('PEXPIRE', KEYS[1], ARGV[5])
			redis.call('SADD', KEYS[3], ARGV[1])
			redis.call('PEXPIRE', KEYS[3], ARGV[7])
			return 1
			""", Long.class);

	// ARGV: family prefix, sliding ttl, now, max age, user prefix, device, address (times in ms).
	private static final RedisScript<List> ROTATE = RedisScript.of("""
			local family = redis.call('HGET', KEYS[1], 'family')
			if not family then
			  return {'INVALID'}
			end
			local familyKey = ARGV[1] .. family
			if redis.call('EXISTS', familyKey) == 0 then
			  return {'INVALID'}
			end
			local user = redis.call('HGET', KEYS[1], 'user')
			local index = ARGV[5] .. user
			if redis.call('HGET', KEYS[1], 'state') ~= 'active' then
			  redis.call('DEL', familyKey)
			  redis.call('SREM', index, family)
			  return {'REUSED'}
			end
			local now = tonumber(ARGV[3])
			local ttl = tonumber(ARGV[2])
			local expires = tonumber(redis.call('HGET', familyKey, 'expires'))
			if not expires then
			  expires = now + tonumber(ARGV[4])
			  redis.call('HSET', familyKey, 'created', ARGV[3], 'expires', string.format('%d', expires))
			  redis.call('SADD', index, family)
			  redis.call('PEXPIRE', index, ARGV[4])
			end
			local used = tonumber(redis.call('HGET', familyKey, 'used')) or now
			if now >= expires or now >= used + ttl then
			  redis.call('DEL', familyKey)
			  redis.call('SREM', index, family)
			  return {'INVALID'}
			end
			local remaining = string.format('%d', math.min(ttl, expires - now))
			redis.call('HSET', KEYS[1], 'state', 'rotated')
			redis.call('HSET', KEYS[2], 'family', family, 'user', user, 'state', 'active')
			redis.call('PEXPIRE', KEYS[2], remaining)
			redis.call('HSET', familyKey, 'used', ARGV[3], 'device', ARGV[6], 'address', ARGV[7])
			redis.call('PEXPIRE', familyKey, remaining)
			return {'OK', user, family, redis.call('HGET', familyKey, 'sv') or '0', remaining}
			""", List.class);

	/** Returns the family's user when it was revoked now, '' when it was gone already. */
	private static final RedisScript<String> REVOKE = RedisScript.of("""
			local family = redis.call('HGET', KEYS[1], 'family')
			if not family then
			  return ''
			end
			local user = redis.call('HGET', KEYS[1], 'user')
			redis.call('SREM', ARGV[2] .. user, family)
			if redis.call('DEL', ARGV[1] .. family) == 0 then
			  return ''
			end
			return user
			""", String.class);

	private static final RedisScript<Long> REVOKE_ONE = RedisScript.of("""
			if redis.call('HGET', KEYS[1], 'user') ~= ARGV[1] then
			  return 0
			end
			redis.call('SREM', KEYS[2], ARGV[2])
			return redis.call('DEL', KEYS[1])
			""", Long.class);

	private static final RedisScript<Long> REVOKE_ALL = RedisScript.of("""
			local families = redis.call('SMEMBERS', KEYS[1])
			for _, family in ipairs(families) do
			  redis.call('DEL', ARGV[1] .. family)
			end
			redis.call('DEL', KEYS[1])
			return #families
			""", Long.class);

	private static final RedisScript<List> LIST = RedisScript.of("""
			local sessions = {}
			for _, family in ipairs(redis.call('SMEMBERS', KEYS[1])) do
			  local f = redis.call('HMGET', ARGV[1] .. family, 'created', 'used', 'expires', 'device', 'address')
			  if f[1] and f[2] and f[3] then
			    table.insert(sessions, {family, f[1], f[2], f[3], f[4] or '', f[5] or ''})
			  else
			    redis.call('SREM', KEYS[1], family)
			  end
			end
			return sessions
			""", List.class);

	private final StringRedisTemplate redis;

	private final Duration ttl;

	private final Duration maxAge;

	private final Clock clock;

	private final SecureRandom random = new SecureRandom();

	RefreshTokenStore(StringRedisTemplate redis, AuthProperties properties, Clock clock) {
		this.redis = redis;
		this.ttl = properties.refreshTokenTtl();
		this.maxAge = properties.sessionMaxAge();
		this.clock = clock;
	}

	/**
	 * Answers only if Redis does: checked before a password is, so that with
	 * Redis away a right and a wrong password get the same 503.
	 */
	void requireAvailable() {
		redis(() -> this.redis.execute((RedisCallback<String>) RedisConnection::ping));
	}

	/**
	 * Starts a session.
	 * @param securityVersion the user's security version now: the session is
	 * revoked once the user's {@code sessionsValidFrom} passes it
	 */
	Issued issue(UUID userId, long securityVersion, Client client) {
		String token = newToken();
		UUID family = UUID.randomUUID();
		long now = this.clock.millis();
		Duration first = (this.ttl.compareTo(this.maxAge) < 0) ? this.ttl : this.maxAge;
		redis(() -> this.redis.execute(ISSUE,
				List.of(tokenKey(token), FAMILY_PREFIX + family, USER_PREFIX + userId), family.toString(),
				userId.toString(), Long.toString(securityVersion), Long.toString(now), Long.toString(first.toMillis()),
				Long.toString(now + this.maxAge.toMillis()), Long.toString(this.maxAge.toMillis()), client.device(),
				client.address()));
		return new Issued(family, token, first);
	}

	/** Replaces {@code presented} with a new token of its family, if it may be. */
	Rotation rotate(String presented, Client client) {
		String next = newToken();
		List<?> result = redis(() -> this.redis.execute(ROTATE, List.of(tokenKey(presented), tokenKey(next)),
				FAMILY_PREFIX, Long.toString(this.ttl.toMillis()), Long.toString(this.clock.millis()),
				Long.toString(this.maxAge.toMillis()), USER_PREFIX, client.device(), client.address()));
		return switch ((String) result.get(0)) {
			case "OK" -> new Rotation(Outcome.ROTATED, UUID.fromString((String) result.get(1)),
					new Issued(UUID.fromString((String) result.get(2)), next,
							Duration.ofMillis(Long.parseLong((String) result.get(4)))),
					Long.parseLong((String) result.get(3)));
			case "REUSED" -> new Rotation(Outcome.REUSED, null, null, 0);
			default -> new Rotation(Outcome.INVALID, null, null, 0);
		};
	}

	/** Revokes the family of {@code presented}; nothing happens for an unknown token. */
	/** @return the user whose session this revoked; empty when it was revoked already or never existed */
	Optional<UUID> revokeFamily(String presented) {
		String user = redis(() -> this.redis.execute(REVOKE, List.of(tokenKey(presented)), FAMILY_PREFIX, USER_PREFIX));
		return (user == null || user.isEmpty()) ? Optional.empty() : Optional.of(UUID.fromString(user));
	}

	/** @return whether the user had this session */
	boolean revoke(UUID userId, UUID sessionId) {
		Long revoked = redis(() -> this.redis.execute(REVOKE_ONE,
				List.of(FAMILY_PREFIX + sessionId, USER_PREFIX + userId), userId.toString(), sessionId.toString()));
		return revoked != null && revoked > 0;
	}

	/**
	 * Revokes every session of the user in the index. Families of the release
	 * before, not yet in it, fail at their next rotation (see
	 * {@code sessionsValidFrom}).
	 */
	void revokeAll(UUID userId) {
		redis(() -> this.redis.execute(REVOKE_ALL, List.of(USER_PREFIX + userId), FAMILY_PREFIX));
	}

	List<Session> sessions(UUID userId) {
		List<?> rows = redis(() -> this.redis.execute(LIST, List.of(USER_PREFIX + userId), FAMILY_PREFIX));
		List<Session> sessions = new ArrayList<>();
		for (Object row : rows) {
			List<?> fields = (List<?>) row;
			Instant used = Instant.ofEpochMilli(Long.parseLong((String) fields.get(2)));
			Instant expires = Instant.ofEpochMilli(Long.parseLong((String) fields.get(3)));
			Instant idleEnd = used.plus(this.ttl);
			sessions.add(new Session(UUID.fromString((String) fields.get(0)),
					Instant.ofEpochMilli(Long.parseLong((String) fields.get(1))), used,
					idleEnd.isBefore(expires) ? idleEnd : expires, (String) fields.get(4), (String) fields.get(5)));
		}
		return sessions;
	}

	private static <T> T redis(Supplier<T> operation) {
		try {
			return operation.get();
		}
		catch (DataAccessException ex) {
			throw unavailable();
		}
	}

	/** The answer while Redis is away, the same as the rate limit's (see RateLimitFilter). */
	static ApiException unavailable() {
		return new ApiException(ResultCode.SERVICE_UNAVAILABLE,
				"signing in is unavailable right now; try again shortly", 5L);
	}

	private String newToken() {
		byte[] bytes = new byte[32];
		this.random.nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	private static String tokenKey(String token) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
			return TOKEN_PREFIX + HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every JDK", ex);
		}
	}

	enum Outcome {

		ROTATED, REUSED, INVALID

	}

	/**
	 * A refresh token handed out.
	 *
	 * @param sessionId its family
	 * @param token the token itself
	 * @param expiresIn how long it is valid (unless rotated before)
	 */
	record Issued(UUID sessionId, String token, Duration expiresIn) {
	}

	/**
	 * @param outcome what happened
	 * @param userId owner of the family, when rotated
	 * @param issued the new token, when rotated
	 * @param securityVersion the user's security version when the session
	 * started (0 for sessions of the release before)
	 */
	record Rotation(Outcome outcome, UUID userId, Issued issued, long securityVersion) {
	}

	/**
	 * One session, as listed to its user.
	 *
	 * @param expiresAt when it ends unless refreshed before (never past the
	 * absolute lifetime)
	 * @param device the User-Agent it was last used with
	 * @param address the client address it was last used from
	 */
	record Session(UUID id, Instant createdAt, Instant lastUsedAt, Instant expiresAt, String device, String address) {
	}

}
