package dev.protostar.worker.ingestion;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.pgvector.PGvector;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.worker.retrieval.LexemeColumn;
import dev.protostar.worker.retrieval.LexicalTerms;

/**
 * The worker's reads and writes of documents and document_chunks (schema: the
 * backend's V3__documents.sql). Every write is keyed by the document id and chunk
 * index, so running an ingestion twice, or two at once, converges on the same rows.
 */
public class IngestionRepository {

	private static final String UPSERT = """
			INSERT INTO document_chunks (document_id, chunk_index, content, content_sha256, char_count,
			        token_count, embedding_model, embedding_dimension, embedding, lexemes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::tsvector)
			ON CONFLICT (document_id, chunk_index) DO UPDATE SET
			    content = EXCLUDED.content, content_sha256 = EXCLUDED.content_sha256,
			    char_count = EXCLUDED.char_count, token_count = EXCLUDED.token_count,
			    embedding_model = EXCLUDED.embedding_model, embedding_dimension = EXCLUDED.embedding_dimension,
			    embedding = EXCLUDED.embedding, lexemes = EXCLUDED.lexemes, updated_at = now()
			""";

	/** The same before V5__lexical_search.sql (see {@link LexemeColumn}). */
	private static final String UPSERT_WITHOUT_LEXEMES = UPSERT.replace(", lexemes)", ")")
		.replace(", ?::tsvector)", ")")
		.replace(" lexemes = EXCLUDED.lexemes,", "");

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final LexemeColumn lexemes;

	public IngestionRepository(JdbcTemplate jdbc, TransactionTemplate transactions) {
		this(jdbc, transactions, new LexemeColumn(jdbc));
	}

	public IngestionRepository(JdbcTemplate jdbc, TransactionTemplate transactions, LexemeColumn lexemes) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.lexemes = lexemes;
	}

	/** What the worker needs of a document row. */
	public record Document(UUID id, String filename, String contentType, String objectKey, String status,
			String embeddingModel, int chunkCount) {
	}

	/** A chunk ready to be written. */
	public record ChunkRow(int index, String content, String sha256, int tokens, float[] embedding) {
	}

	public Optional<Document> find(UUID id) {
		return this.jdbc
			.query("SELECT id, filename, content_type, object_key, status, embedding_model, chunk_count"
					+ " FROM documents WHERE id = ?",
					(rs, n) -> new Document(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
							rs.getString(4), rs.getString(5), rs.getString(6), rs.getInt(7)),
					id)
			.stream()
			.findFirst();
	}

	public boolean exists(UUID id) {
		return !this.jdbc.queryForList("SELECT 1 FROM documents WHERE id = ?", id).isEmpty();
	}

	/** Status {@code parsing}, a new run started now, no error. @return false when the row is gone */
	public boolean markParsing(UUID id) {
		return this.jdbc.update("UPDATE documents SET status = 'parsing', status_changed_at = now(),"
				+ " ingest_started_at = now(), error = NULL, updated_at = now() WHERE id = ?", id) == 1;
	}

	/** Status {@code embedding}; records the content's hash. @return false when the row is gone */
	public boolean markEmbedding(UUID id, String contentSha256) {
		return this.jdbc.update("UPDATE documents SET status = 'embedding', status_changed_at = now(),"
				+ " content_sha256 = ?, updated_at = now() WHERE id = ?", contentSha256, id) == 1;
	}

	/** Status {@code failed} with the reason. @return false when the row is gone */
	public boolean markFailed(UUID id, String error) {
		return this.jdbc.update("UPDATE documents SET status = 'failed', status_changed_at = now(), error = ?,"
				+ " updated_at = now() WHERE id = ?", error, id) == 1;
	}

	/** Index to content hash of the chunks already embedded by {@code model}. */
	public Map<Integer, String> embeddedChunks(UUID id, String model) {
		Map<Integer, String> hashes = new HashMap<>();
		this.jdbc.query("SELECT chunk_index, content_sha256 FROM document_chunks"
				+ " WHERE document_id = ? AND embedding_model = ?",
				(rs) -> {
					hashes.put(rs.getInt(1), rs.getString(2));
				}, id, model);
		return hashes;
	}

	/**
	 * Writes a batch of chunks in one transaction (insert or overwrite by index), with
	 * their lexical terms ({@link LexicalTerms}) once the schema has the column.
	 */
	public void upsert(UUID id, List<ChunkRow> chunks, String model, int dimension) {
		boolean withLexemes = this.lexemes.present();
		String sql = withLexemes ? UPSERT : UPSERT_WITHOUT_LEXEMES;
		this.transactions.executeWithoutResult((status) -> this.jdbc.batchUpdate(sql, chunks, chunks.size(),
				(ps, chunk) -> {
					ps.setObject(1, id);
					ps.setInt(2, chunk.index());
					ps.setString(3, chunk.content());
					ps.setString(4, chunk.sha256());
					ps.setInt(5, chunk.content().length());
					if (chunk.tokens() >= 0) {
						ps.setInt(6, chunk.tokens());
					}
					else {
						ps.setNull(6, java.sql.Types.INTEGER);
					}
					ps.setString(7, model);
					ps.setInt(8, dimension);
					ps.setObject(9, new PGvector(chunk.embedding()));
					if (withLexemes) {
						ps.setString(10, LexicalTerms.tsvector(chunk.content()));
					}
				}));
	}

	/** How {@link #finish} ended. */
	public enum Finish {

		READY, GONE

	}

	/**
	 * In one transaction, with the document row locked (so two runs finish one after the
	 * other): drops chunks past the new end (a shorter re-run), checks that chunks
	 * 0..count-1 all exist with this model, and marks the document ready.
	 * @throws IllegalStateException when chunks are missing (another run with another
	 * model overwrote some): the job is retried and re-embeds them
	 */
	public Finish finish(UUID id, int count, String model, int dimension) {
		return this.transactions.execute((status) -> {
			if (this.jdbc.queryForList("SELECT 1 FROM documents WHERE id = ? FOR UPDATE", id).isEmpty()) {
				return Finish.GONE;
			}
			this.jdbc.update("DELETE FROM document_chunks WHERE document_id = ? AND chunk_index >= ?", id, count);
			Integer present = this.jdbc.queryForObject("SELECT count(*) FROM document_chunks WHERE document_id = ?"
					+ " AND chunk_index < ? AND embedding_model = ? AND embedding_dimension = ?", Integer.class, id,
					count, model, dimension);
			if (present == null || present != count) {
				throw new IllegalStateException("document " + id + " has " + present + " of its " + count
						+ " chunks embedded by " + model + " (another run changed them meanwhile)");
			}
			this.jdbc.update("UPDATE documents SET status = 'ready', status_changed_at = now(), error = NULL,"
					+ " chunk_count = ?, embedding_model = ?, embedding_dimension = ?, updated_at = now()"
					+ " WHERE id = ?", count, model, dimension, id);
			return Finish.READY;
		});
	}

	/** Ready documents embedded by another model than {@code model}. */
	public List<UUID> readyWithOtherModel(String model) {
		return this.jdbc.queryForList("SELECT id FROM documents WHERE status = 'ready'"
				+ " AND embedding_model IS DISTINCT FROM ? ORDER BY created_at", UUID.class, model);
	}

}
