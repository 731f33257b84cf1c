package dev.protostar.worker.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.worker.embedding.EmbeddingProvider;
import dev.protostar.worker.ingestion.IngestionRepository;
import dev.protostar.worker.support.TestInfrastructure;

/**
 * Documents and chunks written straight into a migrated database the way ingestion
 * writes them (IngestionRepository, so with their lexical terms), without object storage
 * or the queue; and a retriever over them. Public for the chat handler's tests, which
 * answer from the real retriever.
 */
public final class RetrievalFixture implements AutoCloseable {

	final HikariDataSource dataSource;

	final JdbcTemplate jdbc;

	final TransactionTemplate transactions;

	final IngestionRepository documents;

	/** Counted only when a test refreshes them. */
	final CommonTerms commonTerms;

	public RetrievalFixture(String jdbcUrl, String user, String password) {
		this.dataSource = TestInfrastructure.dataSource(jdbcUrl, user, password);
		TestInfrastructure.migrate(this.dataSource);
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.transactions = new TransactionTemplate(new DataSourceTransactionManager(this.dataSource));
		this.documents = new IngestionRepository(this.jdbc, this.transactions);
		this.commonTerms = new CommonTerms(this.jdbc, properties().commonTermChunks());
	}

	static RetrievalProperties properties() {
		return new RetrievalProperties(60, 4, 400, 20000, null, 5000, 500, java.time.Duration.ZERO);
	}

	HybridRetriever retriever(EmbeddingProvider embeddings) {
		return retriever(embeddings, 1.0);
	}

	/** {@link #retriever(EmbeddingProvider)} for tests of other packages, which cannot name its class. */
	public Retriever hybridRetriever(EmbeddingProvider embeddings) {
		return retriever(embeddings);
	}

	/** A retriever whose kNN ranking weighs {@code cjkVectorWeight} for Korean questions. */
	HybridRetriever retriever(EmbeddingProvider embeddings, double cjkVectorWeight) {
		return new HybridRetriever(this.jdbc, this.transactions, embeddings, new LexemeColumn(this.jdbc),
				this.commonTerms, properties(), cjkVectorWeight);
	}

	/** A document row with this access level and status. */
	UUID document(String title, DocumentAccess access, String status) {
		UUID id = UUID.randomUUID();
		document(id, title, access, status);
		return id;
	}

	private void document(UUID id, String title, DocumentAccess access, String status) {
		this.jdbc.update("INSERT INTO documents (id, title, filename, content_type, size_bytes, object_key,"
				+ " access_level, status) VALUES (?, ?, ?, 'text/plain', 0, ?, ?, ?)", id, title, title + ".txt",
				"documents/" + id, access.name(), status);
	}

	/**
	 * Chunks 0..n-1 with these contents and vectors, written as ingestion does; the
	 * document becomes ready when it was.
	 */
	void chunks(UUID id, List<String> contents, List<float[]> vectors, String model) {
		List<IngestionRepository.ChunkRow> rows = new ArrayList<>();
		for (int i = 0; i < contents.size(); i++) {
			rows.add(new IngestionRepository.ChunkRow(i, contents.get(i), "sha-" + i, -1, vectors.get(i)));
			if (rows.size() == 500 || i == contents.size() - 1) {
				this.documents.upsert(id, rows, model, vectors.get(0).length);
				rows.clear();
			}
		}
	}

	/** A ready document of one or more chunks. */
	UUID ready(String title, DocumentAccess access, EmbeddingProvider embeddings, String... contents) {
		UUID id = UUID.randomUUID();
		ready(id, title, access, embeddings, contents);
		return id;
	}

	/** A ready document with this id, its chunks numbered 0..n-1 in the order given. */
	public void ready(UUID id, String title, DocumentAccess access, EmbeddingProvider embeddings,
			String... contents) {
		document(id, title, access, "ready");
		List<float[]> vectors = new ArrayList<>();
		for (EmbeddingProvider.Embedding embedding : embeddings.embed(List.of(contents))) {
			vectors.add(embedding.vector());
		}
		chunks(id, List.of(contents), vectors, embeddings.model());
	}

	public void reset() {
		this.jdbc.update("TRUNCATE documents CASCADE");
	}

	@Override
	public void close() {
		this.dataSource.close();
	}

}
