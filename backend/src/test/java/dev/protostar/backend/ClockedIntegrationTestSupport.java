package dev.protostar.backend;

import java.time.Instant;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole backend as in {@link IntegrationTestSupport}, with a {@link TestClock}
 * as its clock and settings small enough to reach in a test: GUEST may ask
 * {@value #QUESTIONS_PER_DAY} questions a day and becomes STARGAZER after
 * {@value #PROMOTION_QUESTIONS} questions and the default seven days (automatic
 * promotion is switched on here: it is off by default); refresh
 * tokens last {@value #REFRESH_TOKEN_TTL_SECONDS} s. The classes extending it
 * share one application context, so each test sets the clock it needs.
 */
@Import(ClockedIntegrationTestSupport.ClockConfiguration.class)
@TestPropertySource(properties = {
		"protostar.tiers.guest.questions-per-day=" + ClockedIntegrationTestSupport.QUESTIONS_PER_DAY,
		"protostar.tiers.promotion.stargazer.enabled=true",
		"protostar.tiers.promotion.stargazer.min-questions=" + ClockedIntegrationTestSupport.PROMOTION_QUESTIONS,
		"protostar.auth.refresh-token-ttl=" + ClockedIntegrationTestSupport.REFRESH_TOKEN_TTL_SECONDS + "s" })
public abstract class ClockedIntegrationTestSupport extends IntegrationTestSupport {

	public static final int QUESTIONS_PER_DAY = 3;

	public static final int PROMOTION_QUESTIONS = 3;

	/** Three hours: neither the default (14 days) nor anything a test would wait for. */
	public static final long REFRESH_TOKEN_TTL_SECONDS = 3 * 3600;

	@Autowired
	protected TestClock clock;

	@TestConfiguration(proxyBeanMethods = false)
	static class ClockConfiguration {

		/** Wins over the application's system clock wherever a Clock is injected. */
		@Bean
		@Primary
		TestClock testClock() {
			return new TestClock(Instant.now());
		}

	}

}
