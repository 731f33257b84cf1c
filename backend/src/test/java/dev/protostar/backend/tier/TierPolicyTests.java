package dev.protostar.backend.tier;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.protostar.contract.access.DocumentAccess;

import static org.assertj.core.api.Assertions.assertThat;

class TierPolicyTests {

	private static final Instant SIGNUP = Instant.parse("2026-11-01T00:00:00Z");

	private static final TierLimits LIMITS = new TierLimits(10, 10, DocumentAccess.PUBLIC);

	private final TierPolicy policy = policy(new TierProperties.Rule(true, Duration.ofDays(7), 10),
			new TierProperties.Rule(false, Duration.ofDays(30), 100));

	@Test
	void guestStaysGuestBeforeTheAgeIsReached() {
		assertThat(this.policy.tierFor(Tier.GUEST, false, SIGNUP, 50, SIGNUP.plus(Duration.ofDays(6))))
			.isEqualTo(Tier.GUEST);
	}

	@Test
	void guestStaysGuestBeforeEnoughQuestions() {
		assertThat(this.policy.tierFor(Tier.GUEST, false, SIGNUP, 9, SIGNUP.plus(Duration.ofDays(60))))
			.isEqualTo(Tier.GUEST);
	}

	@Test
	void guestBecomesStargazerWhenBothAreReached() {
		assertThat(this.policy.tierFor(Tier.GUEST, false, SIGNUP, 10, SIGNUP.plus(Duration.ofDays(7))))
			.isEqualTo(Tier.STARGAZER);
	}

	@Test
	void disabledRuleNeverPromotes() {
		assertThat(this.policy.tierFor(Tier.STARGAZER, false, SIGNUP, 1_000, SIGNUP.plus(Duration.ofDays(365))))
			.isEqualTo(Tier.STARGAZER);
	}

	@Test
	void enabledRulesPromoteThroughBothTiersAtOnce() {
		TierPolicy both = policy(new TierProperties.Rule(true, Duration.ofDays(7), 10),
				new TierProperties.Rule(true, Duration.ofDays(30), 100));

		assertThat(both.tierFor(Tier.GUEST, false, SIGNUP, 100, SIGNUP.plus(Duration.ofDays(30))))
			.isEqualTo(Tier.PROTOSTAR);
	}

	@Test
	void tierSetByAnAdminIsNeverChanged() {
		assertThat(this.policy.tierFor(Tier.GUEST, true, SIGNUP, 1_000, SIGNUP.plus(Duration.ofDays(365))))
			.isEqualTo(Tier.GUEST);
	}

	@Test
	void neverDemotes() {
		assertThat(this.policy.tierFor(Tier.PROTOSTAR, false, SIGNUP, 0, SIGNUP)).isEqualTo(Tier.PROTOSTAR);
	}

	@Test
	void adminStaysAdmin() {
		assertThat(this.policy.tierFor(Tier.ADMIN, false, SIGNUP, 0, SIGNUP)).isEqualTo(Tier.ADMIN);
	}

	private static TierPolicy policy(TierProperties.Rule stargazer, TierProperties.Rule protostar) {
		return new TierPolicy(new TierProperties(LIMITS, LIMITS, LIMITS, LIMITS,
				new TierProperties.Promotion(stargazer, protostar)));
	}

}
