package dev.protostar.backend.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

import dev.protostar.backend.security.AuthProperties;

/**
 * Refresh tokens: 256 random bits, given to the client once and stored in
 * Redis only as their SHA-256 (a leaked Redis dump holds nothing usable).
 * <p>
 * Each login starts a <em>family</em>; every refresh replaces the presented
 * token with a new one of the same family (rotation). The replaced token is
 * kept, marked rotated, until it would have expired: presenting it again means
 * two parties hold the same family, one of them a thief, so the whole family
 * is revoked and both must log in again (OAuth 2.0 Security BCP, refresh token
 * rotation). Logout revokes the family too. Revoking deletes the family key;
 * its tokens then fail because their family is gone, and expire by
 * themselves.
 * <p>
 * Each operation is one Lua script, so two requests presenting the same token
 * at once cannot both rotate it. The scripts build the family key from the
 * token's data, which is fine on a single Redis (not on Redis Cluster).
 */
@Component
class RefreshTokenStore {

	private static final String TOKEN_PREFIX = "protostar:refresh:token:";

	private static final String FAMILY_PREFIX = "protostar:refresh:family:";

	private static final RedisScript<Long> ISSUE = RedisScript.of("""
			redis.call('HSET', KEYS[2], 'user', ARGV[2])
			redis.call('PEXPIRE', KEYS[2], ARGV[3])
			redis.call('HSET', KEYS[1], 'family', ARGV[1], 'user', ARGV[2], 'state', 'active')
			redis.call('PEXPIRE', KEYS[1], ARGV[3])
			return 1
			""", Long.class);

	private static final RedisScript<List> ROTATE = RedisScript.of("""
			local family = redis.call('HGET', KEYS[1], 'family')
			if not family then
			  return {'INVALID'}
			end
			local familyKey = ARGV[1] .. family
			if redis.call('EXISTS', familyKey) == 0 then
			  return {'INVALID'}
			end
			if redis.call('HGET', KEYS[1], 'state') ~= 'active' then
			  redis.call('DEL', familyKey)
			  return {'REUSED'}
			end
			local user = redis.call('HGET', KEYS[1], 'user')
			redis.call('HSET', KEYS[1], 'state', 'rotated')
			redis.call('HSET', KEYS[2], 'family', family, 'user', user, 'state', 'active')
			redis.call('PEXPIRE', KEYS[2], ARGV[2])
			redis.call('PEXPIRE', familyKey, ARGV[2])
			return {'OK', user}
			""", List.class);

	private static final RedisScript<Long> REVOKE = RedisScript.of("""
			local family = redis.call('HGET', KEYS[1], 'family')
			if family then
			  return redis.call('DEL', ARGV[1] .. family)
			end
			return 0
			""", Long.class);

	private final StringRedisTemplate redis;

	private final Duration ttl;

	private final SecureRandom random = new SecureRandom();

	RefreshTokenStore(StringRedisTemplate redis, AuthProperties properties) {
		this.redis = redis;
		this.ttl = properties.refreshTokenTtl();
	}

	Duration ttl() {
		return this.ttl;
	}

	/** Starts a new family for a login and returns its first token. */
	String issue(UUID userId) {
		String token = newToken();
		String family = UUID.randomUUID().toString();
		this.redis.execute(ISSUE, List.of(tokenKey(token), FAMILY_PREFIX + family), family, userId.toString(),
				Long.toString(this.ttl.toMillis()));
		return token;
	}

	/** Replaces {@code presented} with a new token of its family, if it may be. */
	Rotation rotate(String presented) {
		String next = newToken();
		List<?> result = this.redis.execute(ROTATE, List.of(tokenKey(presented), tokenKey(next)), FAMILY_PREFIX,
				Long.toString(this.ttl.toMillis()));
		return switch ((String) result.get(0)) {
			case "OK" -> new Rotation(Outcome.ROTATED, UUID.fromString((String) result.get(1)), next);
			case "REUSED" -> new Rotation(Outcome.REUSED, null, null);
			default -> new Rotation(Outcome.INVALID, null, null);
		};
	}

	/** Revokes the family of {@code presented}; nothing happens for an unknown token. */
	void revokeFamily(String presented) {
		this.redis.execute(REVOKE, List.of(tokenKey(presented)), FAMILY_PREFIX);
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
	 * @param outcome what happened
	 * @param userId owner of the family, when rotated
	 * @param token the new token, when rotated
	 */
	record Rotation(Outcome outcome, UUID userId, String token) {
	}

}
