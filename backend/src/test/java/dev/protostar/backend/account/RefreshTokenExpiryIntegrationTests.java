package dev.protostar.backend.account;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.backend.ClockedIntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A refresh token lasts JWT_REFRESH_TOKEN_TTL (here {@value #TTL_SECONDS} s), renewed
 * with every rotation: Redis holds each token (and its family) with exactly that
 * expiry, and a token whose key has expired is refused. The expiry is brought
 * forward in Redis rather than waited for.
 */
class RefreshTokenExpiryIntegrationTests extends ClockedIntegrationTestSupport {

	private static final long TTL_SECONDS = REFRESH_TOKEN_TTL_SECONDS;

	/** Time a request may take between Redis setting an expiry and the test reading it. */
	private static final Duration SLACK = Duration.ofSeconds(30);

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void tokensAndTheirFamilyExpireAfterTheConfiguredTtlAndAnExpiredTokenIsRefused() throws Exception {
		JsonNode signedUp = signup();
		String first = signedUp.get("refreshToken").asString();
		assertThat(signedUp.get("refreshExpiresIn").asLong()).isEqualTo(TTL_SECONDS);
		assertExpiresInTheTtl(tokenKey(first));
		assertExpiresInTheTtl(familyKey(first));

		HttpResponse<String> rotation = refresh(first);
		assertThat(rotation.statusCode()).isEqualTo(200);
		JsonNode rotated = body(rotation).get("data");
		String second = rotated.get("refreshToken").asString();
		assertThat(rotated.get("refreshExpiresIn").asLong()).isEqualTo(TTL_SECONDS);
		assertExpiresInTheTtl(tokenKey(second));
		assertExpiresInTheTtl(familyKey(second));

		// The TTL runs out: Redis drops the key, as it would after three hours.
		this.redis.expire(tokenKey(second), Duration.ofMillis(1));
		awaitGone(tokenKey(second));
		HttpResponse<String> expired = refresh(second);

		assertThat(expired.statusCode()).isEqualTo(401);
		assertThat(body(expired).at("/resultCode").asString()).isEqualTo("INVALID_REFRESH_TOKEN");
	}

	@Test
	void whenTheFamilyExpiresItsTokensAreRefusedToo() throws Exception {
		String token = signup().get("refreshToken").asString();

		this.redis.expire(familyKey(token), Duration.ofMillis(1));
		awaitGone(familyKey(token));
		HttpResponse<String> expired = refresh(token);

		assertThat(expired.statusCode()).isEqualTo(401);
		assertThat(body(expired).at("/resultCode").asString()).isEqualTo("INVALID_REFRESH_TOKEN");
	}

	private void assertExpiresInTheTtl(String key) {
		Duration ttl = Duration.ofSeconds(TTL_SECONDS);
		Long millis = this.redis.getExpire(key, TimeUnit.MILLISECONDS);
		assertThat(millis).as("PTTL of %s", key).isBetween(ttl.minus(SLACK).toMillis(), ttl.toMillis());
	}

	private void awaitGone(String key) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (Boolean.TRUE.equals(this.redis.hasKey(key))) {
			assertThat(System.nanoTime()).as("%s still there after 10 s", key).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	private HttpResponse<String> refresh(String refreshToken) throws Exception {
		return postJson("/api/auth/refresh", "{\"refreshToken\":\"" + refreshToken + "\"}");
	}

	/** Where RefreshTokenStore keeps a token: under its SHA-256, never the token itself. */
	private static String tokenKey(String token) throws Exception {
		byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
		return "protostar:refresh:token:" + HexFormat.of().formatHex(digest);
	}

	private String familyKey(String token) throws Exception {
		Object family = this.redis.opsForHash().get(tokenKey(token), "family");
		assertThat(family).as("the token's family").isNotNull();
		return "protostar:refresh:family:" + family;
	}

}
