package dev.protostar.worker.queue;

import dev.protostar.contract.access.DocumentAccess;

/**
 * The payload of a {@code chat} job (QUEUE.md): answer {@code message} in the
 * conversation for the user, from the documents {@code documentAccess} lets them see
 * (the payload's own field, or else derived from {@code role}).
 */
public record ChatJob(String jobId, String userId, String role, DocumentAccess documentAccess, String conversationId,
		String message, String traceId) {
}
