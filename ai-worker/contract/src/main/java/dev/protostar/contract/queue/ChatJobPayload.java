package dev.protostar.contract.queue;

import dev.protostar.contract.access.DocumentAccess;

/**
 * The payload of a {@code chat} job (ai-worker/QUEUE.md, "Payloads"): answer
 * {@code message} in the conversation for the user, from the documents
 * {@code documentAccess} lets them see. Written by the backend, read by the worker, both
 * through {@link JobPayloads}.
 *
 * @param jobId the job's id, also the idempotency key
 * @param userId who asked; their event stream receives the answer
 * @param role the asker's tier: GUEST, STARGAZER, PROTOSTAR or ADMIN
 * @param documentAccess the highest document level the asker may read
 * @param conversationId the conversation the message belongs to
 * @param message the question
 * @param traceId the request's id, for the worker's logs; may be null
 */
public record ChatJobPayload(String jobId, String userId, String role, DocumentAccess documentAccess,
		String conversationId, String message, String traceId) {

	/** The job type. */
	public static final String TYPE = "chat";

}
