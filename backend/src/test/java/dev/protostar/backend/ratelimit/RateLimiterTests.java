package dev.protostar.backend.ratelimit;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTests {

	@Test
	void failsOpenWhenRedisIsUnreachable() {
		// Port 1 on loopback: nothing listens, the connection is refused at once.
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 1),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
		factory.afterPropertiesSet();
		try {
			RateLimiter limiter = new RateLimiter(new StringRedisTemplate(factory));

			RateLimitDecision decision = limiter.tryAcquire("ip:192.0.2.1", 5, Duration.ofMinutes(1));

			assertThat(decision.allowed()).isTrue();
			assertThat(decision.limit()).isEqualTo(5);
		}
		finally {
			factory.destroy();
		}
	}

	@Test
	void resetIsRoundedUpToWholeSeconds() {
		assertThat(new RateLimitDecision(false, 1, 0, Duration.ofMillis(1)).resetAfterSeconds()).isEqualTo(1);
		assertThat(new RateLimitDecision(false, 1, 0, Duration.ofMillis(59_001)).resetAfterSeconds()).isEqualTo(60);
		assertThat(new RateLimitDecision(false, 1, 0, Duration.ZERO).resetAfterSeconds()).isEqualTo(1);
	}

}
