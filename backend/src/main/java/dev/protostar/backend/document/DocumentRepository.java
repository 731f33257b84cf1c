package dev.protostar.backend.document;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.backend.document.DocumentViews.ChunkView;
import dev.protostar.backend.document.DocumentViews.DocumentView;
import dev.protostar.contract.access.DocumentAccess;

/**
 * SQL for {@code documents} (schema: V3__documents.sql, V4__document_uploads.sql).
 * Every value is a bind parameter, never concatenated into the statement. The
 * ai-worker writes the same rows (status, chunks); the backend inserts, deletes
 * and sends a document back to {@code waiting} for a reindex.
 */
@Repository
class DocumentRepository {

	private static final String COLUMNS = "id, title, filename, content_type, size_bytes, access_level, status, "
			+ "error, chunk_count, embedding_model, content_sha256, ingest_job_id, uploaded_by, status_changed_at, "
			+ "ingest_started_at, created_at, updated_at";

	private final JdbcClient jdbc;

	DocumentRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** A new document, waiting for its first ingestion run. */
	record NewDocument(UUID id, String title, String filename, String contentType, long sizeBytes, String objectKey,
			DocumentAccess access, UUID uploadedBy, String contentSha256, String jobId) {
	}

	/**
	 * @throws org.springframework.dao.DuplicateKeyException when a document with the
	 * same content exists (documents_content_sha256_key)
	 */
	void insert(NewDocument document, Instant now) {
		this.jdbc.sql("""
				INSERT INTO documents (id, title, filename, content_type, size_bytes, object_key, access_level,
				        uploaded_by, status, status_changed_at, content_sha256, ingest_run, ingest_job_id,
				        created_at, updated_at)
				VALUES (:id, :title, :filename, :contentType, :size, :objectKey, :access, :uploadedBy, 'waiting',
				        :now, :sha256, 1, :jobId, :now, :now)
				""")
			.param("id", document.id())
			.param("title", document.title())
			.param("filename", document.filename())
			.param("contentType", document.contentType())
			.param("size", document.sizeBytes())
			.param("objectKey", document.objectKey())
			.param("access", document.access().name())
			.param("uploadedBy", document.uploadedBy())
			.param("sha256", document.contentSha256())
			.param("jobId", document.jobId())
			.param("now", Timestamp.from(now))
			.update();
	}

	Optional<DocumentView> find(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM documents WHERE id = :id")
			.param("id", id)
			.query(DocumentRepository::document)
			.optional();
	}

	Optional<UUID> findBySha256(String sha256) {
		return this.jdbc.sql("SELECT id FROM documents WHERE content_sha256 = :sha256")
			.param("sha256", sha256)
			.query(UUID.class)
			.optional();
	}

	/** Newest first, optionally of one status; one row more than asked, to tell whether another page follows. */
	List<DocumentView> list(String status, int offset, int limit) {
		return this.jdbc
			.sql("SELECT " + COLUMNS + " FROM documents WHERE (CAST(:status AS text) IS NULL OR status = :status) "
					+ "ORDER BY created_at DESC, id DESC OFFSET :offset LIMIT :limit")
			.param("status", status)
			.param("offset", offset)
			.param("limit", limit)
			.query(DocumentRepository::document)
			.list();
	}

	/** The current ingestion run of a document, and its status (to put back if a reindex fails). */
	record Run(int run, String jobId, String status, String error, Timestamp statusChangedAt) {
	}

	/** The current run, the row locked until the transaction ends. */
	Optional<Run> lockForReindex(UUID id) {
		return this.jdbc
			.sql("SELECT ingest_run, ingest_job_id, status, error, status_changed_at FROM documents "
					+ "WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query((rs, row) -> new Run(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
					rs.getTimestamp(5)))
			.optional();
	}

	/**
	 * Undoes {@link #restart}: the run before, as it was, unless the row moved on
	 * meanwhile (another reindex, or a worker that picked the job up after all).
	 */
	void putBack(UUID id, String failedJobId, Run previous) {
		this.jdbc.sql("UPDATE documents SET status = :status, status_changed_at = :changedAt, error = :error, "
				+ "ingest_run = :run, ingest_job_id = :jobId "
				+ "WHERE id = :id AND ingest_job_id = :failedJobId AND status = 'waiting'")
			.param("status", previous.status())
			.param("changedAt", previous.statusChangedAt())
			.param("error", previous.error())
			.param("run", previous.run())
			.param("jobId", previous.jobId())
			.param("id", id)
			.param("failedJobId", failedJobId)
			.update();
	}

	/** A document whose ingestion has not moved since {@code since}: its job may be lost. */
	record StalledIngestion(UUID id, String jobId, UUID uploadedBy, String status, Instant since) {
	}

	/**
	 * Documents waiting, parsing or embedding whose status has not changed since before
	 * {@code before}, oldest first: a long embedding is among them too, its job alive.
	 */
	List<StalledIngestion> stalledIngestions(Instant before, int limit) {
		return this.jdbc.sql("""
				SELECT id, ingest_job_id, uploaded_by, status, status_changed_at FROM documents
				WHERE status IN ('waiting', 'parsing', 'embedding') AND ingest_job_id IS NOT NULL
				  AND status_changed_at < :before
				ORDER BY status_changed_at LIMIT :limit
				""")
			.param("before", Timestamp.from(before))
			.param("limit", limit)
			.query((rs, row) -> new StalledIngestion(rs.getObject(1, UUID.class), rs.getString(2),
					rs.getObject(3, UUID.class), rs.getString(4), rs.getTimestamp(5).toInstant()))
			.list();
	}

	/** Back to {@code waiting} for run {@code run}, whose job is {@code jobId}. */
	void restart(UUID id, int run, String jobId, Instant now) {
		this.jdbc.sql("""
				UPDATE documents SET status = 'waiting', status_changed_at = :now, error = NULL,
				       ingest_run = :run, ingest_job_id = :jobId, updated_at = :now
				WHERE id = :id
				""")
			.param("run", run)
			.param("jobId", jobId)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	/**
	 * One chunk with its document's title, if the document is of one of the
	 * {@code visible} access levels.
	 */
	Optional<ChunkView> chunk(UUID documentId, int chunkIndex, List<DocumentAccess> visible) {
		return this.jdbc.sql("""
				SELECT d.id, d.title, c.chunk_index, c.content
				FROM document_chunks c JOIN documents d ON d.id = c.document_id
				WHERE c.document_id = :documentId AND c.chunk_index = :chunkIndex AND d.access_level IN (:visible)
				""")
			.param("documentId", documentId)
			.param("chunkIndex", chunkIndex)
			.param("visible", visible.stream().map(DocumentAccess::name).toList())
			.query((rs, row) -> new ChunkView(rs.getObject("id", UUID.class), rs.getString("title"),
					rs.getInt("chunk_index"), rs.getString("content")))
			.optional();
	}

	/** Deletes the row (its chunks go with it: ON DELETE CASCADE); the object key, or empty when unknown. */
	Optional<String> delete(UUID id) {
		return this.jdbc.sql("DELETE FROM documents WHERE id = :id RETURNING object_key")
			.param("id", id)
			.query(String.class)
			.optional();
	}

	private static DocumentView document(ResultSet rs, int row) throws SQLException {
		return new DocumentView(rs.getObject("id", UUID.class), rs.getString("title"), rs.getString("filename"),
				rs.getString("content_type"), rs.getLong("size_bytes"),
				DocumentAccess.valueOf(rs.getString("access_level")), rs.getString("status"), rs.getString("error"),
				rs.getInt("chunk_count"), rs.getString("embedding_model"), rs.getString("content_sha256"),
				rs.getString("ingest_job_id"), rs.getObject("uploaded_by", UUID.class),
				instant(rs.getTimestamp("status_changed_at")), instant(rs.getTimestamp("ingest_started_at")),
				instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("updated_at")));
	}

	private static Instant instant(Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

}
