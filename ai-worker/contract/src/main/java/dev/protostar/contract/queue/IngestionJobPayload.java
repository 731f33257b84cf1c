package dev.protostar.contract.queue;

/**
 * The payload of an {@code ingestion} job (ai-worker/QUEUE.md, "Payloads"): parse, chunk
 * and embed the document. Written by the backend for uploads and reindexes and by a
 * worker for re-embeds after a model switch, read by the worker, all through
 * {@link JobPayloads}.
 *
 * @param jobId the job's id, also the idempotency key
 * @param documentId the {@code documents.id} to ingest
 * @param userId who receives the progress events (the uploader); null for none
 * @param traceId the request's id, for the worker's logs; may be null
 */
public record IngestionJobPayload(String jobId, String documentId, String userId, String traceId) {

	/** The job type. */
	public static final String TYPE = "ingestion";

}
