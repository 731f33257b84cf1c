package dev.protostar.backend.document;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.slf4j.MDC;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.audit.AuditAction;
import dev.protostar.backend.audit.AuditLog;
import dev.protostar.backend.document.DocumentRepository.NewDocument;
import dev.protostar.backend.document.DocumentRepository.Run;
import dev.protostar.backend.document.DocumentStorage.StorageUnavailableException;
import dev.protostar.backend.document.DocumentViews.DocumentView;
import dev.protostar.backend.document.DocumentViews.IngestionQueued;
import dev.protostar.backend.document.DocumentViews.Page;
import dev.protostar.backend.queue.JobQueueClient;
import dev.protostar.backend.request.RequestIdFilter;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.contract.document.FileType;
import dev.protostar.contract.queue.IngestionJobPayload;

/**
 * Uploads, lists, reindexes and deletes documents. Each change touches three
 * stores (object storage, PostgreSQL, the Redis job queue) and leaves either all
 * of them changed or none:
 * <ul>
 * <li><b>Upload</b>: checks first (size, type by name, declared type and magic
 * bytes, duplicate content), then stores the object, then commits the row, then
 * enqueues the job. A failed object write leaves nothing; a failed insert or
 * enqueue removes what was written before it. The job is enqueued after the
 * commit, not inside the transaction, because the worker treats a job whose
 * document it cannot see as one for a deleted document and completes it doing
 * nothing: a worker is idle-fast enough (about a millisecond from enqueue to
 * claim) to get there before an open transaction commits.</li>
 * <li><b>Reindex</b>: the same order; a failed enqueue puts the row back as it was.</li>
 * <li><b>Delete</b>: the row (and with it the chunks) and the object in one
 * transaction that commits only once the object is gone. A running ingestion
 * finds the row gone and stops, doing nothing more.</li>
 * </ul>
 */
@Service
class DocumentService {

	static final int MAX_TITLE = 200;

	static final int MAX_FILENAME = 255;

	/** Queue states of a job that will still run (QUEUE.md, "States"). */
	private static final Set<String> LIVE_STATES = Set.of("waiting", "active", "delayed");

	/** Control characters, and the bidirectional overrides that make a name display as another. */
	private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cntrl}\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]");

	private static final Log logger = LogFactory.getLog(DocumentService.class);

	private final DocumentRepository documents;

	private final DocumentStorage storage;

	private final JobQueueClient queue;

	private final DocumentProperties properties;

	private final TransactionTemplate transactions;

	private final Clock clock;

	private final AuditLog audit;

	private final MeterRegistry meters;

	private final Counter deleted;

	private final Counter reindexed;

	DocumentService(DocumentRepository documents, DocumentStorage storage, JobQueueClient queue,
			DocumentProperties properties, TransactionTemplate transactions, Clock clock, AuditLog audit, MeterRegistry meters) {
		this.documents = documents;
		this.storage = storage;
		this.queue = queue;
		this.properties = properties;
		this.transactions = transactions;
		this.clock = clock;
		this.audit = audit;
		this.meters = meters;
		this.deleted = Counter.builder("protostar.documents.deleted").description("Documents deleted").register(meters);
		this.reindexed = Counter.builder("protostar.documents.reindexed")
			.description("Reindexes of documents requested")
			.register(meters);
	}

	IngestionQueued upload(AuthenticatedUser admin, MultipartFile file, String title, DocumentAccess access) {
		if (file == null) {
			throw rejected("missing", ResultCode.VALIDATION_FAILED, "file: a part named 'file' with the document is required");
		}
		String filename = filename(file.getOriginalFilename());
		if (filename.isEmpty()) {
			throw rejected("missing", ResultCode.VALIDATION_FAILED, "file: the part has no file name");
		}
		if (file.isEmpty()) {
			throw rejected("empty", ResultCode.VALIDATION_FAILED, "file: the file is empty");
		}
		long maxBytes = this.properties.maxBytes().toBytes();
		if (file.getSize() > maxBytes) {
			throw rejected("size", ResultCode.PAYLOAD_TOO_LARGE, "the file is larger than " + maxBytes + " bytes");
		}
		String storedTitle = title(title, filename);
		DocumentFormat format;
		try {
			format = DocumentFormat.detect(filename, file.getContentType(), head(file));
		}
		catch (ApiException ex) {
			count("rejected", "type");
			throw ex;
		}
		String sha256 = sha256(file);
		this.documents.findBySha256(sha256).ifPresent((existing) -> {
			throw rejected("duplicate", ResultCode.DUPLICATE_DOCUMENT,
					"a document with exactly this content exists already: " + existing);
		});

		UUID id = UUID.randomUUID();
		String key = objectKey(id);
		String jobId = jobId(id, 1);
		String contentType = format.storedContentType(file.getContentType());
		try (InputStream content = file.getInputStream()) {
			this.storage.put(key, content, file.getSize(), contentType);
		}
		catch (StorageUnavailableException ex) {
			logger.warn("Upload of '" + filename + "' refused: object storage is unavailable: " + ex.getMessage());
			throw unavailable("document storage");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Instant now = this.clock.instant();
		try {
			this.documents.insert(new NewDocument(id, storedTitle, filename, contentType, file.getSize(), key, access,
					admin.id(), sha256, jobId), now);
		}
		catch (DuplicateKeyException ex) {
			// The same content uploaded at the same moment by another request: it won.
			deleteObjectQuietly(key);
			throw rejected("duplicate", ResultCode.DUPLICATE_DOCUMENT,
					"a document with exactly this content exists already");
		}
		catch (RuntimeException ex) {
			deleteObjectQuietly(key);
			throw ex;
		}
		try {
			enqueue(admin, id, jobId);
		}
		catch (RuntimeException ex) {
			this.transactions.executeWithoutResult((status) -> this.documents.delete(id));
			deleteObjectQuietly(key);
			throw ex;
		}
		count("uploaded", format.name().toLowerCase(java.util.Locale.ROOT));
		this.audit.record(AuditAction.DOCUMENT_UPLOADED, admin.id(), null,
				Map.of("document", id, "filename", filename, "access", access.name(), "bytes", file.getSize()));
		logger.info("Document " + id + " uploaded (" + file.getSize() + " bytes, " + contentType + ", " + access
				+ "); ingestion job " + jobId);
		return new IngestionQueued(find(id), jobId);
	}

	Page<DocumentView> list(String status, int page, int size) {
		List<DocumentView> rows = this.documents.list(status, page * size, size + 1);
		boolean hasMore = rows.size() > size;
		return new Page<>(hasMore ? rows.subList(0, size) : rows, page, size, hasMore);
	}

	DocumentView find(UUID id) {
		return this.documents.find(id).orElseThrow(DocumentService::notFound);
	}

	/**
	 * A new ingestion run: back to {@code waiting} and a new job. Refused (409)
	 * while the current run's job is still queued or running; allowed when the
	 * queue no longer knows that job (done, dead-lettered, purged, or never
	 * enqueued because the backend stopped at the wrong moment), whatever the
	 * status says, so a document stuck in {@code parsing} can always be restarted.
	 */
	IngestionQueued reindex(AuthenticatedUser admin, UUID id) {
		Instant now = this.clock.instant();
		Run[] previous = new Run[1];
		String jobId = this.transactions.execute((status) -> {
			Run run = this.documents.lockForReindex(id).orElseThrow(DocumentService::notFound);
			if (run.jobId() != null) {
				String state = jobState(run.jobId());
				if (state != null && LIVE_STATES.contains(state)) {
					throw new ApiException(ResultCode.INGESTION_IN_PROGRESS,
							"ingestion job " + run.jobId() + " is still " + state + "; reindex once it is done");
				}
			}
			previous[0] = run;
			String next = jobId(id, run.run() + 1);
			this.documents.restart(id, run.run() + 1, next, now);
			return next;
		});
		try {
			enqueue(admin, id, jobId);
		}
		catch (RuntimeException ex) {
			this.transactions.executeWithoutResult((status) -> this.documents.putBack(id, jobId, previous[0]));
			throw ex;
		}
		this.reindexed.increment();
		this.audit.record(AuditAction.DOCUMENT_REINDEXED, admin.id(), null, Map.of("document", id, "job", jobId));
		logger.info("Document " + id + " reindexed; ingestion job " + jobId);
		return new IngestionQueued(find(id), jobId);
	}

	/** Deletes the row, its chunks and its object; nothing when the object cannot be deleted (503). */
	void delete(AuthenticatedUser admin, UUID id) {
		this.transactions.executeWithoutResult((status) -> {
			String key = this.documents.delete(id).orElseThrow(DocumentService::notFound);
			try {
				this.storage.delete(key);
			}
			catch (StorageUnavailableException ex) {
				logger.warn("Document " + id + " not deleted: object storage is unavailable: " + ex.getMessage());
				throw unavailable("document storage");
			}
		});
		this.deleted.increment();
		this.audit.record(AuditAction.DOCUMENT_DELETED, admin.id(), null, Map.of("document", id));
		logger.info("Document " + id + " deleted");
	}

	private void enqueue(AuthenticatedUser admin, UUID documentId, String jobId) {
		// The uploader's event stream receives the ingestion's progress.
		IngestionJobPayload payload = new IngestionJobPayload(jobId, documentId.toString(), admin.id().toString(),
				MDC.get(RequestIdFilter.MDC_KEY));
		try {
			if (!this.queue.enqueue(payload, this.properties.ingestionMaxAttempts())) {
				logger.info("Job " + jobId + " was already queued");
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not enqueue ingestion job " + jobId + "; the change is undone: " + ex);
			throw unavailable("the job queue");
		}
	}

	private String jobState(String jobId) {
		try {
			return this.queue.state(jobId);
		}
		catch (DataAccessException ex) {
			logger.warn("Could not read the state of job " + jobId + ": " + ex);
			throw unavailable("the job queue");
		}
	}

	private void deleteObjectQuietly(String key) {
		try {
			this.storage.delete(key);
		}
		catch (RuntimeException ex) {
			// Unreferenced by any row, so harmless but for the space it takes.
			logger.warn("Could not remove object '" + key + "' of a failed upload; it is unreferenced: " + ex);
		}
	}

	private ApiException rejected(String reason, ResultCode code, String message) {
		count("rejected", reason);
		return new ApiException(code, message);
	}

	private void count(String what, String tag) {
		if ("rejected".equals(what)) {
			Counter.builder("protostar.documents.rejected")
				.description("Uploads refused, by reason")
				.tag("reason", tag)
				.register(this.meters)
				.increment();
		}
		else {
			Counter.builder("protostar.documents.uploaded")
				.description("Documents uploaded, by format")
				.tag("format", tag)
				.register(this.meters)
				.increment();
		}
	}

	static String objectKey(UUID id) {
		// From the id alone: a user's file name never becomes a storage path.
		return "documents/" + id;
	}

	static String jobId(UUID id, int run) {
		return "ingest-" + id + "-" + run;
	}

	/**
	 * The uploaded file's name as stored: its last path segment (a browser may
	 * send a full path; {@code ../} leads nowhere), in NFC, without control or
	 * bidirectional-override characters, at most 255 characters with its
	 * extension kept. Only ever stored and returned, never used as a path.
	 */
	static String filename(String original) {
		if (original == null) {
			return "";
		}
		String name = original.replace('\\', '/');
		name = name.substring(name.lastIndexOf('/') + 1);
		name = UNPRINTABLE.matcher(Normalizer.normalize(name, Normalizer.Form.NFC)).replaceAll("").strip();
		if (name.equals(".") || name.equals("..")) {
			return "";
		}
		if (name.length() > MAX_FILENAME) {
			String extension = DocumentFormat.extension(name);
			name = (extension.length() <= 10 && !extension.isEmpty())
					? name.substring(0, MAX_FILENAME - extension.length() - 1) + "." + extension
					: name.substring(0, MAX_FILENAME);
		}
		return name;
	}

	private String title(String title, String filename) {
		if (title == null || title.isBlank()) {
			int dot = filename.lastIndexOf('.');
			String base = (dot > 0) ? filename.substring(0, dot) : filename;
			return (base.length() > MAX_TITLE) ? base.substring(0, MAX_TITLE) : base;
		}
		String stripped = Normalizer.normalize(title.strip(), Normalizer.Form.NFC);
		if (stripped.length() > MAX_TITLE) {
			throw rejected("invalid", ResultCode.VALIDATION_FAILED, "title: at most " + MAX_TITLE + " characters");
		}
		if (UNPRINTABLE.matcher(stripped).find()) {
			throw rejected("invalid", ResultCode.VALIDATION_FAILED, "title: must not contain control characters");
		}
		return stripped;
	}

	private static byte[] head(MultipartFile file) {
		try (InputStream in = file.getInputStream()) {
			return in.readNBytes(FileType.SNIFF_BYTES);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String sha256(MultipartFile file) {
		try (InputStream in = file.getInputStream()) {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			byte[] buffer = new byte[64 * 1024];
			for (int n; (n = in.read(buffer)) > 0;) {
				digest.update(buffer, 0, n);
			}
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static ApiException notFound() {
		return new ApiException(ResultCode.NOT_FOUND, "no such document");
	}

	private static ApiException unavailable(String what) {
		return new ApiException(ResultCode.SERVICE_UNAVAILABLE,
				"documents cannot be changed right now (" + what + " is unavailable); try again shortly", 5L);
	}

}
