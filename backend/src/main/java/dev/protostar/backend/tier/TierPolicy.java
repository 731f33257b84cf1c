package dev.protostar.backend.tier;

import java.time.Instant;

import org.springframework.stereotype.Component;

/**
 * Decides automatic promotions: GUEST to STARGAZER and STARGAZER to PROTOSTAR
 * when the configured age and activity are reached. Only ever promotes: a
 * demotion is an admin's decision, and so is any tier an admin has set (the
 * user's tier is then locked), which this policy never overrides. Called at
 * login and refresh, and by the chat feature after a question.
 */
@Component
public class TierPolicy {

	private final TierProperties.Promotion promotion;

	public TierPolicy(TierProperties properties) {
		this.promotion = properties.promotion();
	}

	/**
	 * @param current the user's tier now
	 * @param lockedByAdmin whether an admin set the tier by hand
	 * @param signedUpAt when the account was created
	 * @param questionsAsked questions the user has asked so far
	 * @param now the current time
	 * @return the tier the user should have; {@code current} when nothing changes
	 */
	public Tier tierFor(Tier current, boolean lockedByAdmin, Instant signedUpAt, long questionsAsked, Instant now) {
		if (lockedByAdmin) {
			return current;
		}
		Tier tier = current;
		if (tier == Tier.GUEST && reached(this.promotion.stargazer(), signedUpAt, questionsAsked, now)) {
			tier = Tier.STARGAZER;
		}
		if (tier == Tier.STARGAZER && reached(this.promotion.protostar(), signedUpAt, questionsAsked, now)) {
			tier = Tier.PROTOSTAR;
		}
		return tier;
	}

	private static boolean reached(TierProperties.Rule rule, Instant signedUpAt, long questionsAsked, Instant now) {
		return rule.enabled() && !signedUpAt.plus(rule.minAccountAge()).isAfter(now)
				&& questionsAsked >= rule.minQuestions();
	}

}
