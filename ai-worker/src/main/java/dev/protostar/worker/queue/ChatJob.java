package dev.protostar.worker.queue;

/**
 * The payload of a {@code chat} job (QUEUE.md): answer {@code message} in the
 * conversation for the user, who sees only what {@code role} may see.
 */
public record ChatJob(String jobId, String userId, String role, String conversationId, String message,
		String traceId) {
}
