package dev.protostar.backend.audit;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/** What the audit endpoint answers. */
final class AuditViews {

	private AuditViews() {
	}

	/**
	 * One security event.
	 * @param actorUserId who acted, null when nobody was signed in
	 * @param subjectUserId whom it concerns, null when no account is known
	 */
	record AuditEventView(long id, Instant occurredAt, UUID actorUserId, UUID subjectUserId, String action,
			String clientAddress, String requestId, JsonNode detail) {
	}

	record Page<T>(List<T> items, int page, int size, boolean hasMore) {
	}

	/** The filters of one query; null means "any". */
	record AuditQuery(UUID user, AuditAction action, Instant from, Instant to) {
	}

}
