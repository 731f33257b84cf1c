package dev.protostar.backend.account;

import java.time.Instant;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import dev.protostar.backend.tier.Tier;
import dev.protostar.backend.tier.TierPolicy;

/**
 * Counts a user's questions (the activity input of {@link TierPolicy}) and
 * promotes the user when the count makes a promotion due. Runs inside the
 * caller's transaction; the chat service calls it once a question's job is
 * queued, so a question that was not accepted is not counted.
 * A promotion counts from the user's next request (see AccessChanges).
 */
@Component
public class QuestionActivity {

	private static final Log logger = LogFactory.getLog(QuestionActivity.class);

	private final UserRepository users;

	private final TierPolicy tierPolicy;

	private final AccessChanges access;

	QuestionActivity(UserRepository users, TierPolicy tierPolicy, AccessChanges access) {
		this.users = users;
		this.tierPolicy = tierPolicy;
		this.access = access;
	}

	/** @return the user's tier after this question */
	@Transactional(propagation = Propagation.MANDATORY)
	public Tier questionAsked(UUID userId, Instant now) {
		User user = this.users.countQuestion(userId)
			// A valid token of a user deleted since: nobody to ask for.
			.orElseThrow(() -> new IllegalStateException("no user " + userId));
		Tier tier = this.tierPolicy.tierFor(user.tier(), user.tierLocked(), user.createdAt(), user.questionsAsked(),
				now);
		if (tier != user.tier()) {
			this.users.updateTier(userId, tier, false, now).ifPresent(this.access::changed);
			logger.info("User " + userId + " promoted from " + user.tier() + " to " + tier + " after "
					+ user.questionsAsked() + " questions");
		}
		return tier;
	}

}
