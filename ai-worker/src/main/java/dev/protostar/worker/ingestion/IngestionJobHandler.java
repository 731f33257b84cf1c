package dev.protostar.worker.ingestion;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.worker.embedding.EmbeddingException;
import dev.protostar.worker.embedding.EmbeddingProvider;
import dev.protostar.worker.queue.Job;
import dev.protostar.worker.queue.JobContext;
import dev.protostar.worker.queue.JobHandler;
import dev.protostar.worker.queue.NonRetryableJobException;
import dev.protostar.worker.storage.ObjectNotFoundException;
import dev.protostar.worker.storage.ObjectStorage;
import dev.protostar.worker.storage.ObjectTooLargeException;

/**
 * Runs {@code ingestion} jobs: fetch the document from object storage, extract its
 * text, chunk it, embed the chunks in batches and upsert them, moving the document's
 * status waiting → parsing → embedding → ready, or → failed with the reason.
 *
 * <ul>
 * <li><b>Idempotent and resumable.</b> Chunking is deterministic and chunks are
 * upserted by (document, index), one transaction per batch; a run after a crash skips
 * the chunks already embedded with the same content and model, and the last step drops
 * chunks past the new end. However often a run is cut short, the document ends with
 * exactly its chunks.</li>
 * <li><b>Ready is final</b> for a document already embedded by the configured model: a
 * duplicate delivery changes nothing. A reindex is a new job after the backend set the
 * document back to {@code waiting}; a document embedded by another model is re-embedded
 * whatever its status.</li>
 * <li><b>Deleted meanwhile</b> (the row is gone): the job completes doing nothing more;
 * the chunks went with the row (ON DELETE CASCADE).</li>
 * <li><b>Unusable input</b> (empty, corrupt, unsupported, too large, object missing,
 * past a parse limit such as too many pages, a zip bomb or too slow to read):
 * {@code failed} with the reason and a non-retryable job failure (dead-lettered, so
 * {@code protostar jobs dlq} shows it). Other errors (storage, database or embedding
 * server away) are retried; the last attempt's error marks the document failed.</li>
 * </ul>
 */
class IngestionJobHandler implements JobHandler {

	private static final Logger log = LoggerFactory.getLogger(IngestionJobHandler.class);

	private static final int MAX_ERROR = 1000;

	private final IngestionRepository documents;

	private final ObjectStorage storage;

	private final TextExtractor extractor;

	private final Chunker chunker;

	private final EmbeddingProvider embeddings;

	private final VectorIndexes indexes;

	private final long maxBytes;

	IngestionJobHandler(IngestionRepository documents, ObjectStorage storage, TextExtractor extractor,
			Chunker chunker, EmbeddingProvider embeddings, VectorIndexes indexes, long maxBytes) {
		this.documents = documents;
		this.storage = storage;
		this.extractor = extractor;
		this.chunker = chunker;
		this.embeddings = embeddings;
		this.indexes = indexes;
		this.maxBytes = maxBytes;
	}

	@Override
	public String type() {
		return IngestionJobPayload.TYPE;
	}

	@Override
	public void handle(Job job, JobContext context) throws Exception {
		IngestionJobPayload payload = job.ingestionPayload();
		UUID id;
		try {
			id = UUID.fromString(payload.documentId());
		}
		catch (IllegalArgumentException ex) {
			throw new NonRetryableJobException("documentId '" + payload.documentId() + "' is not a UUID");
		}
		Optional<IngestionRepository.Document> found = this.documents.find(id);
		if (found.isEmpty()) {
			log.info("Job {}: document {} does not exist (deleted?); nothing to do", job.id(), id);
			return;
		}
		IngestionRepository.Document document = found.get();
		String model = this.embeddings.model();
		if ("ready".equals(document.status()) && model.equals(document.embeddingModel())) {
			log.info("Job {}: document {} is already ready with {} chunks of {}; nothing to do", job.id(), id,
					document.chunkCount(), model);
			return;
		}
		try {
			ingest(job, context, document);
		}
		catch (UnusableDocumentException ex) {
			if (!this.documents.markFailed(id, truncate(ex.getMessage()))) {
				return; // deleted meanwhile
			}
			log.info("Job {}: document {} ({}) failed: {}", job.id(), id, document.filename(), ex.getMessage());
			throw new NonRetryableJobException("document " + id + " failed: " + ex.getMessage(), ex);
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				throw ex; // shutting down: the job goes back to the queue as it is
			}
			if (!existsQuietly(id)) {
				log.info("Job {}: document {} was deleted during ingestion; nothing more to do", job.id(), id);
				return;
			}
			boolean retryable = !(ex instanceof EmbeddingException ee) || ee.retryable();
			if (!retryable || job.lastAttempt()) {
				markFailedQuietly(id, "ingestion failed" + (retryable ? " after " + job.attempt() + " attempts" : "")
						+ ": " + ex.getMessage());
			}
			if (!retryable) {
				throw new NonRetryableJobException(ex.getMessage(), ex);
			}
			throw ex;
		}
	}

	private void ingest(Job job, JobContext context, IngestionRepository.Document document) throws Exception {
		UUID id = document.id();
		if (!this.documents.markParsing(id)) {
			return;
		}
		progress(context, id, "parsing", 0, 0);
		Path file = Files.createTempFile("protostar-document-", ".upload");
		String sha256;
		List<String> chunks;
		try {
			sha256 = download(document.objectKey(), file);
			String text = this.extractor.extract(file, document.contentType(), document.filename());
			chunks = this.chunker.chunk(text);
		}
		finally {
			deleteQuietly(file);
		}
		if (!this.documents.markEmbedding(id, sha256)) {
			return;
		}
		String model = this.embeddings.model();
		int dimension = this.embeddings.dimension();
		this.indexes.ensure(model, dimension);
		Map<Integer, String> embedded = this.documents.embeddedChunks(id, model);
		int batchSize = this.embeddings.maxBatchSize();
		int skipped = 0;
		progress(context, id, "embedding", 0, chunks.size());
		for (int from = 0; from < chunks.size(); from += batchSize) {
			if (Thread.interrupted()) {
				throw new InterruptedException("worker shutting down");
			}
			List<Integer> todo = new ArrayList<>();
			List<String> texts = new ArrayList<>();
			List<String> hashes = new ArrayList<>();
			for (int i = from; i < Math.min(from + batchSize, chunks.size()); i++) {
				String hash = VectorIndexes.sha256(chunks.get(i));
				if (hash.equals(embedded.get(i))) {
					skipped++;
					continue; // embedded by an earlier run, content unchanged
				}
				todo.add(i);
				texts.add(chunks.get(i));
				hashes.add(hash);
			}
			if (!todo.isEmpty()) {
				List<EmbeddingProvider.Embedding> vectors = this.embeddings.embed(texts);
				List<IngestionRepository.ChunkRow> rows = new ArrayList<>(todo.size());
				for (int k = 0; k < todo.size(); k++) {
					rows.add(new IngestionRepository.ChunkRow(todo.get(k), texts.get(k), hashes.get(k),
							vectors.get(k).tokens(), vectors.get(k).vector()));
				}
				this.documents.upsert(id, rows, model, dimension);
			}
			progress(context, id, "embedding", Math.min(from + batchSize, chunks.size()), chunks.size());
		}
		if (this.documents.finish(id, chunks.size(), model, dimension) == IngestionRepository.Finish.GONE) {
			return;
		}
		log.info("Job {}: document {} ({}) ready: {} chunks of {} ({} kept from an earlier run)", job.id(), id,
				document.filename(), chunks.size(), model, skipped);
		progress(context, id, "ready", chunks.size(), chunks.size());
	}

	/**
	 * Copies the object to {@code file} (parsers then read it from disk as they need it,
	 * not from a byte array on the heap).
	 * @return the content's SHA-256
	 */
	private String download(String key, Path file) throws IOException, UnusableDocumentException {
		MessageDigest sha256 = VectorIndexes.sha256Digest();
		try (InputStream in = new DigestInputStream(this.storage.open(key, this.maxBytes), sha256);
				OutputStream out = Files.newOutputStream(file)) {
			in.transferTo(out);
		}
		catch (ObjectTooLargeException ex) {
			throw new UnusableDocumentException("the file is larger than the limit of " + this.maxBytes
					+ " bytes (protostar.ingestion.max-bytes)", ex);
		}
		catch (ObjectNotFoundException ex) {
			throw new UnusableDocumentException("the file is missing from object storage: " + ex.getMessage(), ex);
		}
		catch (IOException ex) {
			throw new IOException("object storage: " + ex.getMessage(), ex);
		}
		return HexFormat.of().formatHex(sha256.digest());
	}

	private static void deleteQuietly(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			log.warn("could not delete the temporary file {}: {}", file, ex.toString());
		}
	}

	/** Progress for the uploader; a failure to publish never fails the ingestion. */
	private static void progress(JobContext context, UUID id, String stage, int done, int total) {
		try {
			Map<String, Object> data = new LinkedHashMap<>();
			data.put("documentId", id.toString());
			data.put("stage", stage);
			data.put("done", done);
			data.put("total", total);
			context.progress(data);
		}
		catch (RuntimeException ex) {
			log.debug("progress event for document {} not published: {}", id, ex.toString());
		}
	}

	private boolean existsQuietly(UUID id) {
		try {
			return this.documents.exists(id);
		}
		catch (RuntimeException ex) {
			return true; // the database is away: assume it is there and let the retry find out
		}
	}

	private void markFailedQuietly(UUID id, String error) {
		try {
			this.documents.markFailed(id, truncate(error));
		}
		catch (RuntimeException ex) {
			log.warn("could not mark document {} failed ({}): {}", id, ex.toString(), error);
		}
	}

	private static String truncate(String text) {
		return (text.length() > MAX_ERROR) ? text.substring(0, MAX_ERROR) + "…" : text;
	}

}
