package dev.protostar.worker.retrieval;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.pgvector.PGvector;
import org.postgresql.PGConnection;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.worker.embedding.OnnxEmbeddingProvider;
import dev.protostar.worker.support.BenchmarkFigures;

/**
 * Retrieval at scale, run by {@code scripts/bench/retrieval} against a PostgreSQL it
 * starts (not part of the build).
 *
 * <ol>
 * <li><b>Load</b>: {@code chunks} chunks in documents of 100, 30% PUBLIC, 40% INTERNAL,
 * 30% CONFIDENTIAL, all ready, written with COPY. Embedding 100,000 texts with the
 * in-process model would take some ten minutes on two cores, so {@code bases} generated
 * HR sentences (English and Korean) are embedded with the real model and every chunk is
 * one of them with a few extra words and its vector moved by small Gaussian noise and
 * normalised again: clusters of near-duplicates around real sentence vectors, which is
 * what the chunks of a document collection look like to kNN (and harder for HNSW than
 * uniform random vectors, whose neighbours are all equally far).</li>
 * <li><b>Index</b>: the model's HNSW index (V3's definition) built after the load, as a
 * restore does.</li>
 * <li><b>Queries</b>: {@code queries} new sentences from the same generator, embedded by
 * the model; the embedding time is reported apart. Per ef_search: p50/p99 of the kNN
 * search a PUBLIC reader runs (tier filter, iterative scan) and its recall@10 against an
 * exact scan (the same query with index scans disabled); then, at the configured
 * ef_search, hybrid as the product runs it (HybridRetriever.search: both rankings at
 * once) beside its stages one after the other, a pooled connection and a round trip,
 * retrieve() with the embedding, and the statements' times in the server (EXPLAIN
 * ANALYZE) with the plan of the median lexical one.</li>
 * </ol>
 * Figures also go to {@code $BENCH_FIGURES} (scripts/bench/lib/figures.sh).
 * Arguments: jdbcUrl user password chunks bases queries resultsFile
 */
public final class RetrievalBenchmark {

	private static final int PER_DOCUMENT = 100;

	private static final int[] EF_SEARCH = { 40, 100, 200, 400 };

	private static final double NOISE = 0.02;

	private RetrievalBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int chunks = Integer.parseInt(args[3]);
		int bases = Integer.parseInt(args[4]);
		int queries = Integer.parseInt(args[5]);
		Path results = Path.of(args[6]);
		StringBuilder report = new StringBuilder();
		BenchmarkFigures.record("run.chunks", chunks);
		BenchmarkFigures.record("run.bases", bases);
		BenchmarkFigures.record("run.queries", queries);
		BenchmarkFigures.record("run.ef_search", RetrievalFixture.properties().efSearch());
		Random random = new Random(42);
		try (RetrievalFixture fixture = new RetrievalFixture(args[0], args[1], args[2]);
				OnnxEmbeddingProvider onnx = new OnnxEmbeddingProvider(32, Runtime.getRuntime().availableProcessors())) {
			report.append("retrieval benchmark, %s, %d cores, load average %.1f, model %s%n".formatted(
					java.time.Instant.now(), Runtime.getRuntime().availableProcessors(),
					java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
					onnx.model()));

			long start = System.nanoTime();
			List<String> baseTexts = new ArrayList<>();
			for (int i = 0; i < bases; i++) {
				baseTexts.add(sentence(random));
			}
			List<float[]> baseVectors = embed(onnx, baseTexts);
			report.append("%d base sentences embedded by the model in %.1f s%n".formatted(bases, seconds(start)));

			start = System.nanoTime();
			int documents = load(fixture, random, chunks, baseTexts, baseVectors);
			report.append(("loaded %d chunks in %d documents (30%% PUBLIC, 40%% INTERNAL, 30%% CONFIDENTIAL) with COPY"
					+ " in %.1f s;%n  each is a base sentence plus a few words, its vector the base's plus Gaussian"
					+ " noise (sigma %.2f per component), normalised%n").formatted(chunks, documents, seconds(start),
							NOISE));
			start = System.nanoTime();
			fixture.transactions.executeWithoutResult((status) -> {
				// As restore does (BACKUP_RESTORE_WORK_MEM): HNSW outgrows the default 64MB.
				fixture.jdbc.execute("SET LOCAL maintenance_work_mem = '1GB'");
				fixture.jdbc.execute("CREATE INDEX document_chunks_hnsw_all_minilm_l6_v2_q_384 ON document_chunks"
						+ " USING hnsw ((embedding::vector(384)) vector_cosine_ops)"
						+ " WHERE embedding_model = 'all-minilm-l6-v2-q'");
			});
			fixture.jdbc.execute("VACUUM ANALYZE");
			report.append("HNSW index (m 16, ef_construction 64) built in %.1f s: %s; GIN index on lexemes: %s%n"
				.formatted(seconds(start), size(fixture, "document_chunks_hnsw_all_minilm_l6_v2_q_384"),
						size(fixture, "document_chunks_lexemes_gin")));

			start = System.nanoTime();
			int common = fixture.commonTerms.refresh();
			report.append("common terms counted (ts_stat) in %.1f s: %d terms in more than %d chunks%n"
				.formatted(seconds(start), common, RetrievalFixture.properties().commonTermChunks()));

			List<String> questions = new ArrayList<>();
			for (int i = 0; i < queries; i++) {
				questions.add(question(random));
			}
			List<Long> embedTimes = new ArrayList<>();
			List<float[]> vectors = new ArrayList<>();
			embed(onnx, questions.subList(0, Math.min(20, queries))); // warm-up
			for (String question : questions) {
				long t = System.nanoTime();
				vectors.add(onnx.embed(List.of(question)).get(0).vector());
				embedTimes.add(System.nanoTime() - t);
			}
			Latencies embedding = Latencies.of(embedTimes);
			embedding.record("embedding");
			report.append("%d questions (half English, half Korean); embedding one question: %s (apart below)%n%n"
				.formatted(queries, embedding));

			HybridRetriever retriever = fixture.retriever(onnx, 0);
			List<Set<String>> exact = new ArrayList<>();
			start = System.nanoTime();
			for (float[] vector : vectors) {
				exact.add(keys(exactNearest(fixture, retriever, vector)));
			}
			BenchmarkFigures.record("exact.mean_ms", seconds(start) * 1000 / queries);
			report.append("exact scan (index scans off, same filter): %.1f ms a query on average%n"
				.formatted(seconds(start) * 1000 / queries));
			report.append("kNN, PUBLIC reader (30%% of chunks visible), top 10, iterative scan relaxed_order:%n"
				.formatted());
			int ef = RetrievalFixture.properties().efSearch();
			double recallAtEf = 0;
			for (int efSearch : EF_SEARCH) {
				time(() -> retriever.nearest(vectors.get(0), DocumentAccess.PUBLIC, 10, efSearch), 20);
				List<Long> times = new ArrayList<>();
				double recall = 0;
				for (int q = 0; q < queries; q++) {
					long t = System.nanoTime();
					List<HybridRetriever.Hit> hits = retriever.nearest(vectors.get(q), DocumentAccess.PUBLIC, 10,
							efSearch);
					times.add(System.nanoTime() - t);
					Set<String> found = keys(hits);
					found.retainAll(exact.get(q));
					recall += found.size() / (double) Math.max(1, exact.get(q).size());
				}
				recall /= queries;
				recallAtEf = (efSearch == ef) ? recall : recallAtEf;
				Latencies latencies = Latencies.of(times);
				latencies.record("knn.ef" + efSearch);
				BenchmarkFigures.record("knn.ef" + efSearch + ".recall_at_10", recall);
				report.append("  ef_search %3d: %s  recall@10 %.3f%n".formatted(efSearch, latencies, recall));
			}
			List<Long> all = new ArrayList<>();
			for (float[] vector : vectors) {
				long t = System.nanoTime();
				retriever.nearest(vector, DocumentAccess.CONFIDENTIAL, 10, ef);
				all.add(System.nanoTime() - t);
			}
			Latencies confidential = Latencies.of(all);
			confidential.record("knn.confidential");
			report.append("kNN, CONFIDENTIAL reader (every chunk visible), ef_search %d:   %s%n".formatted(ef,
					confidential));

			Hybrid hybrid = hybrid(fixture, retriever, questions, vectors);
			hybrid.lexical.record("lexical");
			BenchmarkFigures.record("lexical.matched", hybrid.matched);
			hybrid.product.record("hybrid");
			hybrid.sequential.record("hybrid.sequential");
			hybrid.knn.record("hybrid.stages.knn");
			hybrid.fusion.record("hybrid.stages.fusion");
			hybrid.connection.record("hybrid.stages.connection");
			hybrid.roundTrip.record("hybrid.stages.round_trip");
			report.append("%nhybrid, PUBLIC reader, 5 passages from 20 + 20 candidates, ef_search %d:%n".formatted(ef));
			report.append("  hybrid (HybridRetriever.search, the two at once):  %s   + embedding the question %s%n"
				.formatted(hybrid.product, embedding));
			report.append("  the same one after the other, by stage:           %s%n".formatted(hybrid.sequential));
			report.append("    kNN (top 20; transaction, SET LOCAL, query):     %s%n".formatted(hybrid.knn));
			report.append("    lexical (top 20; %3d of %d questions matched):  %s%n".formatted(hybrid.matched,
					queries, hybrid.lexical));
			report.append("    fusion (RRF in Java):                            %s%n".formatted(hybrid.fusion));
			report.append("  taking a pooled connection and giving it back:     %s%n".formatted(hybrid.connection));
			report.append("  one round trip (SELECT 1):                         %s%n".formatted(hybrid.roundTrip));

			List<Long> retrieveTimes = new ArrayList<>();
			for (String question : questions) {
				long t = System.nanoTime();
				retriever.retrieve(question, DocumentAccess.PUBLIC, 5);
				retrieveTimes.add(System.nanoTime() - t);
			}
			Latencies withEmbedding = Latencies.of(retrieveTimes);
			withEmbedding.record("hybrid_with_embedding");
			report.append("  what a chat job waits for (retrieve: embedding, then hybrid): %s%n".formatted(withEmbedding));

			report.append("%nin the server (EXPLAIN ANALYZE of the first %d questions; planning + execution):%n"
				.formatted(Math.min(100, queries)));
			for (Map.Entry<String, Latencies> entry : serverTimes(fixture, retriever, questions, vectors).entrySet()) {
				entry.getValue().record("server." + entry.getKey());
				report.append("  %-18s %s%n".formatted(entry.getKey().replace('.', ' '), entry.getValue()));
			}
			report.append("the lexical statement of the median question (by the lexical ranking's time above):%n%s%n"
				.formatted(medianLexicalPlan(fixture, retriever, questions, hybrid.lexicalTimes())));
			report.append("latencies from the JDBC call to its last row, over 127.0.0.1 to the container%n"
				.formatted());

			double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
			BenchmarkFigures.record("run.load_average_end", load);
			BenchmarkFigures.record("goal.hybrid_p99_ms", hybrid.product.p99());
			BenchmarkFigures.record("goal.recall_at_10", recallAtEf);
			BenchmarkFigures.record("goal.met", hybrid.product.p99() < 20 && recallAtEf >= 0.95);
			report.append("load average at the end %.1f; goals (hybrid p99 < 20 ms, recall@10 >= 0.95): %s%n".formatted(
					load, (hybrid.product.p99() < 20 && recallAtEf >= 0.95) ? "met" : "NOT met"));
		}
		System.out.print(report);
		Files.writeString(results, report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		System.exit(0);
	}

	/** The exact top 10 for a PUBLIC reader: the retriever's own statement with index scans off. */
	private static List<HybridRetriever.Hit> exactNearest(RetrievalFixture fixture, HybridRetriever retriever,
			float[] vector) {
		return fixture.transactions.execute((status) -> {
			fixture.jdbc.execute("SET LOCAL enable_indexscan = off");
			return fixture.jdbc.query(retriever.vectorSql(DocumentAccess.PUBLIC),
					(rs, n) -> new HybridRetriever.Hit(rs.getObject(1, UUID.class), null, rs.getInt(3), null),
					new PGvector(vector), 10);
		});
	}

	private static int load(RetrievalFixture fixture, Random random, int chunks, List<String> baseTexts,
			List<float[]> baseVectors) throws Exception {
		fixture.jdbc.execute("DROP INDEX document_chunks_hnsw_all_minilm_l6_v2_q_384");
		int documents = (chunks + PER_DOCUMENT - 1) / PER_DOCUMENT;
		try (Connection connection = fixture.dataSource.getConnection()) {
			var copy = connection.unwrap(PGConnection.class).getCopyAPI();
			StringBuilder rows = new StringBuilder();
			List<UUID> ids = new ArrayList<>();
			for (int d = 0; d < documents; d++) {
				UUID id = UUID.randomUUID();
				ids.add(id);
				String access = (d % 10 < 3) ? "PUBLIC" : (d % 10 < 7) ? "INTERNAL" : "CONFIDENTIAL";
				rows.append(id).append("\tdocument ").append(d).append("\tdocument-").append(d)
					.append(".txt\ttext/plain\t0\tdocuments/").append(id).append('\t').append(access)
					.append("\tready\n");
			}
			copy.copyIn("COPY documents (id, title, filename, content_type, size_bytes, object_key, access_level,"
					+ " status) FROM STDIN", new StringReader(rows.toString()));
			rows.setLength(0);
			for (int i = 0; i < chunks; i++) {
				int base = random.nextInt(baseTexts.size());
				String content = baseTexts.get(base) + " " + WORDS[random.nextInt(WORDS.length)] + " section "
						+ random.nextInt(500) + " " + WORDS[random.nextInt(WORDS.length)];
				float[] vector = baseVectors.get(base).clone();
				for (int k = 0; k < vector.length; k++) {
					vector[k] += (float) (random.nextGaussian() * NOISE);
				}
				rows.append(ids.get(i / PER_DOCUMENT)).append('\t').append(i % PER_DOCUMENT).append('\t')
					.append(content).append("\tsha\t").append(content.length())
					.append("\tall-minilm-l6-v2-q\t384\t")
					.append(new PGvector(TestVectors.normalised(vector)).getValue()).append('\t')
					.append(LexicalTerms.tsvector(content)).append('\n');
				if (rows.length() > 8_000_000 || i == chunks - 1) {
					copy.copyIn("COPY document_chunks (document_id, chunk_index, content, content_sha256, char_count,"
							+ " embedding_model, embedding_dimension, embedding, lexemes) FROM STDIN",
							new StringReader(rows.toString()));
					rows.setLength(0);
				}
			}
		}
		return documents;
	}

	private static List<float[]> embed(OnnxEmbeddingProvider onnx, List<String> texts) {
		List<float[]> vectors = new ArrayList<>();
		for (int from = 0; from < texts.size(); from += 32) {
			onnx.embed(texts.subList(from, Math.min(from + 32, texts.size())))
				.forEach((embedding) -> vectors.add(embedding.vector()));
		}
		return vectors;
	}

	private static Set<String> keys(List<HybridRetriever.Hit> hits) {
		Set<String> keys = new HashSet<>();
		hits.forEach((hit) -> keys.add(hit.documentId() + "/" + hit.chunkIndex()));
		return keys;
	}

	private static void time(Supplier<?> call, int times) {
		for (int i = 0; i < times; i++) {
			call.get();
		}
	}

	/**
	 * Each question asked hybrid twice: as the product asks (search, the two rankings at
	 * once) and as its stages one after the other, timed apart, in alternating order so
	 * that neither always finds the other's pages cached; then a pooled connection taken
	 * and given back, and one round trip.
	 */
	private static Hybrid hybrid(RetrievalFixture fixture, HybridRetriever retriever, List<String> questions,
			List<float[]> vectors) throws Exception {
		RetrievalProperties properties = RetrievalFixture.properties();
		int limit = 5;
		int depth = limit * properties.candidates();
		for (int q = 0; q < Math.min(20, questions.size()); q++) { // warm-up: the lexical threads, the plans
			retriever.search(questions.get(q), vectors.get(q), DocumentAccess.PUBLIC, limit, RetrievalMode.HYBRID);
		}
		List<Long> product = new ArrayList<>();
		List<Long> sequential = new ArrayList<>();
		List<Long> knn = new ArrayList<>();
		List<Long> lexical = new ArrayList<>();
		List<Long> fusion = new ArrayList<>();
		List<Long> connection = new ArrayList<>();
		List<Long> roundTrip = new ArrayList<>();
		int matched = 0;
		for (int q = 0; q < questions.size(); q++) {
			String question = questions.get(q);
			float[] vector = vectors.get(q);
			Runnable asked = () -> {
				long t = System.nanoTime();
				retriever.search(question, vector, DocumentAccess.PUBLIC, limit, RetrievalMode.HYBRID);
				product.add(System.nanoTime() - t);
			};
			if (q % 2 == 0) {
				asked.run();
			}
			long t0 = System.nanoTime();
			List<HybridRetriever.Hit> nearest = retriever.nearest(vector, DocumentAccess.PUBLIC, depth,
					properties.efSearch());
			long t1 = System.nanoTime();
			List<HybridRetriever.Hit> lexicalHits = retriever.lexical(question, DocumentAccess.PUBLIC, depth);
			long t2 = System.nanoTime();
			HybridRetriever.fuse(List.of(nearest, lexicalHits), List.of(retriever.vectorWeight(question), 1.0),
					properties.rrfK(), limit);
			long t3 = System.nanoTime();
			knn.add(t1 - t0);
			lexical.add(t2 - t1);
			fusion.add(t3 - t2);
			sequential.add(t3 - t0);
			matched += lexicalHits.isEmpty() ? 0 : 1;
			if (q % 2 == 1) {
				asked.run();
			}
			long t = System.nanoTime();
			try (Connection borrowed = fixture.dataSource.getConnection()) {
				connection.add(System.nanoTime() - t);
			}
			t = System.nanoTime();
			fixture.jdbc.queryForObject("SELECT 1", Integer.class);
			roundTrip.add(System.nanoTime() - t);
		}
		return new Hybrid(Latencies.of(product), Latencies.of(sequential), Latencies.of(knn), Latencies.of(lexical),
				Latencies.of(fusion), Latencies.of(connection), Latencies.of(roundTrip), matched, lexical);
	}

	private record Hybrid(Latencies product, Latencies sequential, Latencies knn, Latencies lexical, Latencies fusion,
			Latencies connection, Latencies roundTrip, int matched, List<Long> lexicalTimes) {
	}

	/** EXPLAIN (ANALYZE, BUFFERS) of the lexical statement of the question whose ranking took the median time. */
	private static String medianLexicalPlan(RetrievalFixture fixture, HybridRetriever retriever, List<String> questions,
			List<Long> lexicalTimes) {
		List<Integer> order = new ArrayList<>();
		for (int q = 0; q < questions.size(); q++) {
			order.add(q);
		}
		order.sort(java.util.Comparator.comparing(lexicalTimes::get));
		String question = questions.get(order.get(order.size() / 2));
		HybridRetriever.LexicalStatement lexical = retriever.lexicalStatement(question, DocumentAccess.PUBLIC,
				5 * RetrievalFixture.properties().candidates());
		if (lexical == null) {
			return "  (no terms)";
		}
		return "  " + question + "\n  " + lexical.tsquery() + "\n" + fixture.jdbc
			.queryForList("EXPLAIN (ANALYZE, BUFFERS) " + lexical.sql(), String.class, lexical.parameters())
			.stream()
			.map((line) -> "    " + line)
			.collect(java.util.stream.Collectors.joining("\n"));
	}

	private static final Pattern PLAN_TIME = Pattern.compile("\"(Planning|Execution) Time\": ([0-9.]+)");

	/**
	 * Planning and execution time in the server of the two rankings' statements (EXPLAIN
	 * ANALYZE, JSON), for the first 100 questions: what the client's figures add to them
	 * is the round trips, the driver and the rows' transfer.
	 */
	private static Map<String, Latencies> serverTimes(RetrievalFixture fixture, HybridRetriever retriever,
			List<String> questions, List<float[]> vectors) {
		RetrievalProperties properties = RetrievalFixture.properties();
		int depth = 5 * properties.candidates();
		Map<String, List<Long>> times = new LinkedHashMap<>();
		for (int q = 0; q < Math.min(100, questions.size()); q++) {
			PGvector vector = new PGvector(vectors.get(q));
			String knnPlan = retriever.withKnnSettings(depth, properties.efSearch(),
					() -> String.join("\n", fixture.jdbc.queryForList("EXPLAIN (ANALYZE, FORMAT JSON) "
							+ retriever.vectorSql(DocumentAccess.PUBLIC), String.class, vector, depth)));
			planTimes(knnPlan, "knn", times);
			HybridRetriever.LexicalStatement lexical = retriever.lexicalStatement(questions.get(q),
					DocumentAccess.PUBLIC, depth);
			if (lexical != null) {
				planTimes(String.join("\n", fixture.jdbc.queryForList("EXPLAIN (ANALYZE, FORMAT JSON) " + lexical.sql(),
						String.class, lexical.parameters())), "lexical", times);
			}
		}
		Map<String, Latencies> latencies = new LinkedHashMap<>();
		times.forEach((key, nanos) -> latencies.put(key, Latencies.of(nanos)));
		return latencies;
	}

	private static void planTimes(String plan, String ranking, Map<String, List<Long>> times) {
		Matcher matcher = PLAN_TIME.matcher(plan);
		while (matcher.find()) {
			times.computeIfAbsent(ranking + "." + matcher.group(1).toLowerCase(Locale.ROOT), (key) -> new ArrayList<>())
				.add((long) (Double.parseDouble(matcher.group(2)) * 1e6));
		}
	}

	/** p50 and p99 (nearest rank) in milliseconds. */
	record Latencies(double p50, double p99) {

		static Latencies of(List<Long> nanos) {
			long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
			return new Latencies(at(sorted, 50) / 1e6, at(sorted, 99) / 1e6);
		}

		private static long at(long[] sorted, int percentile) {
			return sorted[Math.max(0, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
		}

		void record(String prefix) {
			BenchmarkFigures.record(prefix + ".p50_ms", this.p50);
			BenchmarkFigures.record(prefix + ".p99_ms", this.p99);
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "p50 %6.2f ms  p99 %6.2f ms", this.p50, this.p99);
		}

	}

	private static String size(RetrievalFixture fixture, String index) {
		return fixture.jdbc.queryForObject("SELECT pg_size_pretty(pg_relation_size(?::regclass))", String.class,
				index);
	}

	private static double seconds(long start) {
		return (System.nanoTime() - start) / 1e9;
	}

	// The generator: HR sentences from parts, English or Korean, half each.

	private static final String[][] EN = { { "employees", "new hires", "managers", "contractors", "interns",
			"team leads", "part-time staff", "remote workers" },
			{ "must submit", "may request", "should report", "can claim", "need approval for", "are entitled to",
					"have to renew", "may carry over" },
			{ "annual leave", "travel expenses", "a home office allowance", "parental leave", "sick days",
					"overtime pay", "a laptop replacement", "training budget", "a parking permit", "health checkups",
					"a pension contribution", "security badges", "relocation support", "meal vouchers" },
			{ "within thirty days", "before the end of the quarter", "two weeks in advance", "every calendar year",
					"after the probation period", "through the HR portal", "with a signed form",
					"at the service desk" } };

	private static final String[][] KO = { { "직원은", "신규 입사자는", "팀장은", "계약직 직원은", "인턴은", "재택근무자는" },
			{ "연차휴가를", "출장비를", "육아휴직을", "병가를", "초과근무 수당을", "교육비를", "건강검진을", "복지 포인트를", "보안 교육을",
					"사원증을", "주차권을", "노트북 교체를" },
			{ "30일 이내에", "분기 말까지", "2주 전에", "매년", "수습기간이 끝난 후", "인사 포털에서", "서면으로" },
			{ "신청해야 합니다.", "보고해야 합니다.", "청구할 수 있습니다.", "승인받아야 합니다.", "사용할 수 있습니다.", "제출해야 합니다." } };

	private static final String[] WORDS = { "policy", "appendix", "update", "note", "example", "정책", "부록", "개정",
			"참고", "예시", "guideline", "규정" };

	private static String sentence(Random random) {
		return random.nextBoolean() ? pick(random, EN, " ") + "." : pick(random, KO, " ");
	}

	private static String question(Random random) {
		if (random.nextBoolean()) {
			return "Is it true that " + pick(random, EN, " ") + "?";
		}
		return pick(random, KO, " ").replace("합니다.", "하나요?").replace("있습니다.", "있나요?");
	}

	private static String pick(Random random, String[][] parts, String separator) {
		return String.join(separator,
				Arrays.stream(parts).map((options) -> options[random.nextInt(options.length)]).toList());
	}

}
