package dev.protostar.backend.tier;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import dev.protostar.contract.access.DocumentAccess;

/**
 * What one tier may do.
 *
 * @param requestsPerMinute API requests per user and minute, enforced by the
 * rate limiter
 * @param questionsPerDay chat questions per user and day (enforced by the chat
 * feature)
 * @param documentAccess highest document level answers may draw on
 */
public record TierLimits(@Positive int requestsPerMinute, @Positive int questionsPerDay,
		@NotNull DocumentAccess documentAccess) {
}
