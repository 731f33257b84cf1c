package dev.protostar.worker.retrieval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import com.pgvector.PGvector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
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
 * </ul>
 */
class HybridRetriever implements Retriever {

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
		List<List<Hit>> rankings = new ArrayList<>(2);
		List<Double> weights = new ArrayList<>(2);
		if (mode != RetrievalMode.LEXICAL && vector != null) {
			rankings.add(nearest(vector, access, depth, this.properties.efSearch()));
			weights.add((mode == RetrievalMode.HYBRID)
					? 1 - LexicalTerms.cjkShare(question) * (1 - this.cjkVectorWeight) : 1.0);
		}
		if (mode != RetrievalMode.VECTOR) {
			rankings.add(lexical(question, access, depth));
			weights.add(1.0);
		}
		return fuse(rankings, weights, this.properties.rrfK(), limit);
	}

	/** The kNN ranking: chunk keys, nearest first. */
	List<Hit> nearest(float[] vector, DocumentAccess access, int depth, int efSearch) {
		if (vector.length != this.embeddings.dimension()) {
			throw new IllegalArgumentException("the question's vector has " + vector.length + " dimensions, the model "
					+ this.embeddings.model() + " " + this.embeddings.dimension());
		}
		PGvector parameter = new PGvector(vector);
		return this.transactions.execute((status) -> {
			// set_config(..., true) is SET LOCAL: these hold for this transaction only.
			this.jdbc.queryForList("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
					+ " set_config('hnsw.ef_search', ?, true), set_config('hnsw.max_scan_tuples', ?, true)",
					String.valueOf(Math.min(1000, Math.max(efSearch, depth))),
					String.valueOf(this.properties.maxScanTuples()));
			return this.jdbc.query(this.vectorSql.get(access), HIT, parameter, depth);
		});
	}

	/**
	 * The lexical ranking: chunk keys, best first; empty when the question has no terms.
	 * Terms in very many chunks are left out ({@link CommonTerms}).
	 */
	List<Hit> lexical(String question, DocumentAccess access, int depth) {
		String query = LexicalTerms.tsquery(this.commonTerms.worthLookingUp(LexicalTerms.queryTerms(question)));
		if (query == null || !this.lexemes.present()) {
			return List.of();
		}
		return this.jdbc.query(this.lexicalSql.get(access), HIT, query, query, depth);
	}

	/** The kNN statement for a reader of this level (for EXPLAIN in tests). */
	String vectorSql(DocumentAccess access) {
		return this.vectorSql.get(access);
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
