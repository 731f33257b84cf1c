package dev.protostar.backend.ratelimit;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

class RateLimiterTests {

	@Test
	void failsOpenWhenRedisIsUnreachable() {
		// Port 1 on loopback: nothing listens, the connection is refused at once.
		JedisConnectionFactory factory = new JedisConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 1),
				JedisClientConfiguration.builder().readTimeout(Duration.ofSeconds(2)).usePooling().build());
		factory.afterPropertiesSet();
		try {
			RateLimiter limiter = new RateLimiter(new StringRedisTemplate(factory), new SimpleMeterRegistry());

			RateLimitDecision decision = limiter.tryAcquire("anonymous", "ip:192.0.2.1", 5, Duration.ofMinutes(1));

			assertThat(decision.allowed()).isTrue();
			assertThat(decision.limit()).isEqualTo(5);
		}
		finally {
			factory.destroy();
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void refusalsAreCountedByKind() {
		StringRedisTemplate redis = mock(StringRedisTemplate.class);
		// {count after this event, milliseconds left}: the 5th of 5 passes, the 6th does not.
		given(redis.execute(any(RedisScript.class), anyList(), any(Object[].class))).willReturn(List.of(5L, 1000L),
				List.of(6L, 900L));
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RateLimiter limiter = new RateLimiter(redis, meters);

		assertThat(limiter.tryAcquire("questions", "questions:u", 5, Duration.ofDays(1)).allowed()).isTrue();
		assertThat(meters.find("protostar.rate.limited").counter()).isNull();

		assertThat(limiter.tryAcquire("questions", "questions:u", 5, Duration.ofDays(1)).allowed()).isFalse();
		Counter refused = meters.get("protostar.rate.limited").tag("kind", "questions").counter();
		assertThat(refused.count()).isEqualTo(1);
	}

	@Test
	void resetIsRoundedUpToWholeSeconds() {
		assertThat(new RateLimitDecision(false, 1, 0, Duration.ofMillis(1)).resetAfterSeconds()).isEqualTo(1);
		assertThat(new RateLimitDecision(false, 1, 0, Duration.ofMillis(59_001)).resetAfterSeconds()).isEqualTo(60);
		assertThat(new RateLimitDecision(false, 1, 0, Duration.ZERO).resetAfterSeconds()).isEqualTo(1);
	}

}
