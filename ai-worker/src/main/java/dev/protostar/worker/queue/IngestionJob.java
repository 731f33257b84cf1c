package dev.protostar.worker.queue;

/**
 * The payload of an {@code ingestion} job (QUEUE.md): parse, chunk and embed the
 * document; {@code userId} (the uploader) receives the progress events.
 */
public record IngestionJob(String jobId, String documentId, String userId, String traceId) {
}
