package dev.protostar.backend.document;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.protostar.contract.access.DocumentAccess;

/** Response payloads of the document endpoints (inside the envelope's {@code data}). */
final class DocumentViews {

	private DocumentViews() {
	}

	/**
	 * A document as the admin sees it.
	 * @param title what users see, as given at upload (default: the file name without
	 * its extension); returned as stored, never interpreted
	 * @param filename the uploaded file's name, reduced to its last path segment
	 * @param contentType the format's type, plus a text file's declared charset
	 * @param access who may get answers drawn from it
	 * @param status {@code waiting}, {@code parsing}, {@code embedding}, {@code ready}
	 * or {@code failed}
	 * @param error why it failed (null otherwise)
	 * @param chunkCount chunks embedded once ready
	 * @param embeddingModel the model of its vectors, once ready
	 * @param contentSha256 SHA-256 (hex) of the file
	 * @param jobId the ingestion job of the current (or last) run
	 * @param uploadedBy the admin who uploaded it (null once that account is gone)
	 * @param ingestStartedAt start of the current (or last) ingestion run
	 */
	record DocumentView(UUID id, String title, String filename, String contentType, long sizeBytes,
			DocumentAccess access, String status, String error, int chunkCount, String embeddingModel,
			String contentSha256, String jobId, UUID uploadedBy, Instant statusChangedAt, Instant ingestStartedAt,
			Instant createdAt, Instant updatedAt) {
	}

	/**
	 * A passage an answer cites ({@code citations[].documentId} and
	 * {@code chunkIndex} of its metadata).
	 * @param text the chunk as ingested, returned as stored (escaped by whoever
	 * renders it)
	 */
	record ChunkView(UUID documentId, String title, int chunkIndex, String text) {
	}

	/**
	 * One page of a list.
	 * @param page the page number, from 0
	 * @param size the page size asked for
	 * @param hasMore whether a next page exists
	 */
	record Page<T>(List<T> items, int page, int size, boolean hasMore) {
	}

	/**
	 * The answer to an upload or reindex: the document and the job that ingests
	 * it (its progress events go to the admin's event stream).
	 */
	record IngestionQueued(DocumentView document, String jobId) {
	}

}
