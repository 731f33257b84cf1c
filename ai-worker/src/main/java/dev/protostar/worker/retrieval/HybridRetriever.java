package dev.protostar.worker.retrieval;

import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import com.pgvector.PGvector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.worker.embedding.EmbeddingException;
import dev.protostar.worker.embedding.EmbeddingProvider;

/**
 * Hybrid retrieval: pgvector kNN over the configured embedding model's vectors and the
 * lexical ranking of {@link LexicalTerms}, each over the {@code ready} documents the
 * reader may see, fused by reciprocal rank (RRF: a passage scores the sum of
 * 1/(k + rank) over the rankings it appears in, so neither ranking's raw scores need to
 * be comparable).
 *
 * <ul>
 * <li><b>kNN uses the model's partial HNSW index</b> (V3__documents.sql): the query
 * repeats its predicate ({@code embedding_model = '<model>'}, a literal, since a
 * generic plan with a parameter could not prove it) and its expression
 * ({@code embedding::vector(<dim>) <=> ...}). Chunks of another model are never
 * compared, nor returned by the lexical side either.</li>
 * <li><b>The tier filter does not starve kNN</b>: an HNSW scan returns ef_search
 * candidates and the filter applies after it, so many nearer CONFIDENTIAL chunks could
 * leave a PUBLIC reader with too few. pgvector 0.8's iterative scan
 * ({@code hnsw.iterative_scan = relaxed_order}, set for the transaction only) goes on
 * walking the graph until the limit is met or {@code hnsw.max_scan_tuples}; relaxed
 * order may return rows slightly out of distance order, so the result is sorted again
 * (the materialised CTE pgvector's documentation recommends).</li>
 * <li><b>No question text reaches SQL</b>: the kNN side gets a vector, the lexical side
 * a tsquery literal of quoted letter-and-digit terms; a question with no terms
 * (punctuation only) has no lexical hits.</li>
 * <li><b>An embedding failure</b> (the model server away) leaves hybrid retrieval with
 * its lexical ranking rather than failing the answer.</li>
 * <li><b>The two rankings run at once</b>, on two connections of the pool: the lexical
 * one on a thread of this retriever's while kNN runs on the caller's, so a hybrid search
 * takes about as long as the slower of the two rather than their sum
 * (scripts/bench/retrieval). Neither holds its connection while waiting for the other,
 * so a full pool delays a search but cannot deadlock it (a pool of one connection serves
 * it one ranking after the other). A ranking that fails fails the search, once the other
 * has finished and returned its connection.</li>
 * </ul>
 */
class HybridRetriever implements Retriever, AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(HybridRetriever.class);

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final EmbeddingProvider embeddings;

	private final LexemeColumn lexemes;

	private final CommonTerms commonTerms;

	private final RetrievalProperties properties;

	private final double cjkVectorWeight;

	private final Map<DocumentAccess, String> vectorSql = new EnumMap<>(DocumentAccess.class);

	private final Map<DocumentAccess, String> lexicalSql = new EnumMap<>(DocumentAccess.class);

	/**
	 * Runs the lexical ranking of a hybrid search. Unbounded, since the callers bound it:
	 * one task per search in progress, and searches run on the job threads
	 * (protostar.queue.concurrency). Not a bean: an Executor bean would replace Spring
	 * Boot's own task executor.
	 */
	private final ExecutorService lexicalRankings = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "lexical-ranking");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * @param cjkVectorWeight the kNN ranking's weight for a question in Hangul, Han or
	 * kana (see {@link RetrievalProperties#cjkVectorWeight()}, resolved)
	 */
	HybridRetriever(JdbcTemplate jdbc, TransactionTemplate transactions, EmbeddingProvider embeddings,
			LexemeColumn lexemes, CommonTerms commonTerms, RetrievalProperties properties, double cjkVectorWeight) {
		this.jdbc = jdbc;
		this.cjkVectorWeight = cjkVectorWeight;
		this.transactions = transactions;
		this.embeddings = embeddings;
		this.lexemes = lexemes;
		this.commonTerms = commonTerms;
		this.properties = properties;
		// Model and dimension come from configuration, not from users; quoted all the same.
		String model = "'" + embeddings.model().replace("'", "''") + "'";
		int dimension = embeddings.dimension();
		for (DocumentAccess access : DocumentAccess.values()) {
			String levels = access.visible()
				.stream()
				.map((level) -> "'" + level.name() + "'")
				.collect(Collectors.joining(", "));
			this.vectorSql.put(access, """
					WITH nearest AS MATERIALIZED (
					    SELECT c.document_id, d.title, c.chunk_index, c.content,
					           c.embedding::vector(%1$d) <=> ? AS distance
					    FROM document_chunks c JOIN documents d ON d.id = c.document_id
					    WHERE c.embedding_model = %2$s AND d.status = 'ready' AND d.access_level IN (%3$s)
					    ORDER BY distance
					    LIMIT ?)
					SELECT document_id, title, chunk_index, content FROM nearest
					ORDER BY distance, document_id, chunk_index
					""".formatted(dimension, model, levels));
			this.lexicalSql.put(access, """
					SELECT c.document_id, d.title, c.chunk_index, c.content
					FROM document_chunks c JOIN documents d ON d.id = c.document_id
					WHERE c.lexemes @@ CAST(? AS tsquery) AND c.embedding_model = %s
					  AND d.status = 'ready' AND d.access_level IN (%s)
					ORDER BY ts_rank(c.lexemes, CAST(? AS tsquery), 1) DESC, c.document_id, c.chunk_index
					LIMIT ?
					""".formatted(model, levels));
		}
	}

	@Override
	public List<Passage> retrieve(String question, DocumentAccess access, int limit) {
		return retrieve(question, access, limit, RetrievalMode.HYBRID);
	}

	/** As {@link #retrieve(String, DocumentAccess, int)}, by one ranking or both. */
	List<Passage> retrieve(String question, DocumentAccess access, int limit, RetrievalMode mode) {
		if (question == null || question.isBlank() || limit <= 0) {
			return List.of();
		}
		float[] vector = null;
		if (mode != RetrievalMode.LEXICAL) {
			try {
				vector = this.embeddings.embed(List.of(question)).get(0).vector();
			}
			catch (EmbeddingException ex) {
				if (mode == RetrievalMode.VECTOR) {
					throw ex;
				}
				log.warn("Could not embed the question ({}); ranking its passages lexically only", ex.getMessage());
			}
		}
		return search(question, vector, access, limit, mode);
	}

	/**
	 * The search itself, given the question's vector (null: none), so that a benchmark
	 * can time the database apart from the model.
	 */
	List<Passage> search(String question, float[] vector, DocumentAccess access, int limit, RetrievalMode mode) {
		int depth = (mode == RetrievalMode.HYBRID) ? limit * this.properties.candidates() : limit;
		boolean byVector = mode != RetrievalMode.LEXICAL && vector != null;
		if (!byVector) {
			return fuse(List.of(lexical(question, access, depth)), List.of(1.0), this.properties.rrfK(), limit);
		}
		if (mode == RetrievalMode.VECTOR) {
			return fuse(List.of(nearest(vector, access, depth, this.properties.efSearch())), List.of(1.0),
					this.properties.rrfK(), limit);
		}
		List<List<Hit>> rankings = bothRankings(question, vector, access, depth);
		return fuse(rankings, List.of(vectorWeight(question), 1.0), this.properties.rrfK(), limit);
	}

	/**
	 * The kNN ranking's weight in a hybrid search: 1, or less for a question in Hangul,
	 * Han or kana (see {@link RetrievalProperties#cjkVectorWeight()}).
	 */
	double vectorWeight(String question) {
		return 1 - LexicalTerms.cjkShare(question) * (1 - this.cjkVectorWeight);
	}

	/** kNN and lexical rankings, in that order, computed at once where that is safe. */
	private List<List<Hit>> bothRankings(String question, float[] vector, DocumentAccess access, int depth) {
		checkDimension(vector);
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			// kNN would join the caller's transaction and keep its connection while the
			// lexical side waits for a second one: one after the other on the caller's.
			return List.of(nearest(vector, access, depth, this.properties.efSearch()),
					lexical(question, access, depth));
		}
		Future<List<Hit>> lexical = this.lexicalRankings.submit(() -> lexical(question, access, depth));
		List<Hit> nearest;
		try {
			nearest = nearest(vector, access, depth, this.properties.efSearch());
		}
		catch (RuntimeException | Error ex) {
			finishQuietly(lexical);
			throw ex;
		}
		return List.of(nearest, outcome(lexical));
	}

	/**
	 * The lexical ranking's result, or its exception as thrown. Interrupted (a job past
	 * its lease), the ranking is cancelled; its statement runs to its end all the same
	 * and JdbcTemplate then returns the connection.
	 */
	private static List<Hit> outcome(Future<List<Hit>> ranking) {
		try {
			return ranking.get();
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException cause) {
				throw cause;
			}
			if (ex.getCause() instanceof Error cause) {
				throw cause;
			}
			throw new IllegalStateException("the lexical ranking failed", ex.getCause());
		}
		catch (InterruptedException ex) {
			ranking.cancel(true);
			Thread.currentThread().interrupt();
			throw new CancellationException("interrupted while the lexical ranking ran");
		}
	}

	/** Waits for a ranking whose result is not wanted any more, whatever its outcome. */
	private static void finishQuietly(Future<List<Hit>> ranking) {
		try {
			ranking.get();
		}
		catch (ExecutionException | CancellationException ex) {
			// The other ranking's failure is the one reported.
		}
		catch (InterruptedException ex) {
			ranking.cancel(true);
			Thread.currentThread().interrupt();
		}
	}

	/** Stops the lexical ranking's threads (Spring calls this at shutdown). */
	@Override
	public void close() {
		this.lexicalRankings.shutdown();
	}

	/** The kNN ranking: chunk keys, nearest first. */
	List<Hit> nearest(float[] vector, DocumentAccess access, int depth, int efSearch) {
		checkDimension(vector);
		PGvector parameter = new PGvector(vector);
		return withKnnSettings(depth, efSearch, () -> this.jdbc.query(this.vectorSql.get(access), HIT, parameter, depth));
	}

	/**
	 * Runs {@code search} in a transaction with the kNN settings (also for EXPLAIN in the
	 * benchmark): iterative scan, ef_search raised to the depth, the scan's limit.
	 */
	<T> T withKnnSettings(int depth, int efSearch, Supplier<T> search) {
		return this.transactions.execute((status) -> {
			// set_config(..., true) is SET LOCAL: these hold for this transaction only.
			this.jdbc.queryForList("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
					+ " set_config('hnsw.ef_search', ?, true), set_config('hnsw.max_scan_tuples', ?, true)",
					String.valueOf(Math.min(1000, Math.max(efSearch, depth))),
					String.valueOf(this.properties.maxScanTuples()));
			return search.get();
		});
	}

	private void checkDimension(float[] vector) {
		if (vector.length != this.embeddings.dimension()) {
			throw new IllegalArgumentException("the question's vector has " + vector.length + " dimensions, the model "
					+ this.embeddings.model() + " " + this.embeddings.dimension());
		}
	}

	/**
	 * The lexical ranking: chunk keys, best first; empty when the question has no terms.
	 * Terms in very many chunks are left out ({@link CommonTerms}).
	 */
	List<Hit> lexical(String question, DocumentAccess access, int depth) {
		LexicalStatement statement = lexicalStatement(question, access, depth);
		if (statement == null || !this.lexemes.present()) {
			return List.of();
		}
		return this.jdbc.query(statement.sql(), HIT, statement.parameters());
	}

	/** The kNN statement for a reader of this level (for EXPLAIN in tests). */
	String vectorSql(DocumentAccess access) {
		return this.vectorSql.get(access);
	}

	/**
	 * The lexical statement of a reader of this level for a question (also for EXPLAIN in
	 * the benchmark); null when the question has no terms worth looking up.
	 */
	LexicalStatement lexicalStatement(String question, DocumentAccess access, int depth) {
		String query = LexicalTerms.tsquery(this.commonTerms.worthLookingUp(LexicalTerms.queryTerms(question)));
		return (query == null) ? null : new LexicalStatement(this.lexicalSql.get(access), query, depth);
	}

	/** The lexical ranking's statement and what its parameters are made of. */
	record LexicalStatement(String sql, String tsquery, int depth) {

		Object[] parameters() {
			return new Object[] { this.tsquery, this.tsquery, this.depth };
		}

	}

	/**
	 * Weighted reciprocal rank fusion: a passage scores the sum over the rankings of
	 * weight / (k + rank). A tie keeps the order of first appearance (kNN first).
	 */
	static List<Passage> fuse(List<List<Hit>> rankings, List<Double> weights, int k, int limit) {
		Map<Key, Passage> fused = new LinkedHashMap<>();
		for (int r = 0; r < rankings.size(); r++) {
			List<Hit> ranking = rankings.get(r);
			for (int rank = 1; rank <= ranking.size(); rank++) {
				Hit hit = ranking.get(rank - 1);
				double add = weights.get(r) / (k + rank);
				fused.merge(new Key(hit.documentId(), hit.chunkIndex()),
						new Passage(hit.documentId(), hit.title(), hit.chunkIndex(), hit.content(), add),
						(a, b) -> new Passage(a.documentId(), a.documentTitle(), a.chunkIndex(), a.content(),
								a.score() + b.score()));
			}
		}
		return fused.values()
			.stream()
			.sorted(Comparator.comparingDouble(Passage::score).reversed())
			.limit(limit)
			.toList();
	}

	/** One ranked chunk. */
	record Hit(UUID documentId, String title, int chunkIndex, String content) {
	}

	private record Key(UUID documentId, int chunkIndex) {
	}

	private static final RowMapper<Hit> HIT = (rs, n) -> new Hit(rs.getObject(1, UUID.class), rs.getString(2),
			rs.getInt(3), rs.getString(4));

}
