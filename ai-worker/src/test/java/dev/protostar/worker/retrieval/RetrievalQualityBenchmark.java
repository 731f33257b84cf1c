package dev.protostar.worker.retrieval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.protostar.worker.embedding.OnnxEmbeddingProvider;
import dev.protostar.worker.ingestion.Chunker;
import dev.protostar.worker.support.BenchmarkFigures;

/**
 * Retrieval quality on the evaluation set, run by {@code scripts/bench/retrieval-quality}
 * against a PostgreSQL it starts (not part of the build; RetrievalQualityIntegrationTests
 * guards the same figures in the build). The documents are ingested with the in-process
 * ONNX model; each mode's recall@5 and MRR are printed overall and per language.
 * Arguments: jdbcUrl user password chunkSize chunkOverlap resultsFile
 */
public final class RetrievalQualityBenchmark {

	private RetrievalQualityBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int chunkSize = Integer.parseInt(args[3]);
		int overlap = Integer.parseInt(args[4]);
		Path results = Path.of(args[5]);
		StringBuilder report = new StringBuilder();
		try (RetrievalFixture fixture = new RetrievalFixture(args[0], args[1], args[2]);
				OnnxEmbeddingProvider onnx = new OnnxEmbeddingProvider(32, Runtime.getRuntime().availableProcessors())) {
			List<RetrievalEvaluation.Question> questions = RetrievalEvaluation.questions();
			Map<String, UUID> ids = RetrievalEvaluation.ingest(fixture, onnx, new Chunker(chunkSize, overlap));
			int chunks = fixture.jdbc.queryForObject("SELECT count(*) FROM document_chunks", Integer.class);
			BenchmarkFigures.record("run.documents", ids.size());
			BenchmarkFigures.record("run.chunks", chunks);
			BenchmarkFigures.record("run.chunk_size", chunkSize);
			BenchmarkFigures.record("run.chunk_overlap", overlap);
			BenchmarkFigures.record("run.questions", questions.size());
			report.append("retrieval quality, %s, model %s%n".formatted(java.time.Instant.now(), onnx.model()));
			report.append("%d documents in %d chunks (%d characters, overlap %d); %d questions (%d en, %d ko)%n"
				.formatted(ids.size(), chunks, chunkSize, overlap, questions.size(),
						questions.stream().filter((q) -> q.language().equals("en")).count(),
						questions.stream().filter((q) -> q.language().equals("ko")).count()));
			report.append("recall@5: share of questions whose labelled passage is among the first 5; MRR: mean of"
					+ " 1/rank of that passage (0 past 5)%n%n".formatted());
			double weight = RetrievalConfiguration.cjkVectorWeight(RetrievalFixture.properties(),
					dev.protostar.worker.embedding.EmbeddingProperties.Provider.ONNX);
			report.append("as configured by default (RRF k 60, candidates 4 x limit, kNN weight %.2f for Korean)%n"
				.formatted(weight));
			BenchmarkFigures.record("run.cjk_vector_weight", weight);
			report.append(table(fixture.retriever(onnx, weight), questions, ids, "", RetrievalMode.values()));
			report.append("%nhybrid by the kNN ranking's weight for Korean questions (protostar.retrieval.cjk-vector-weight)%n"
				.formatted());
			for (double w : new double[] { 0, 0.25, 0.5, 0.75, 1 }) {
				String suffix = ".cjk_weight_" + String.valueOf(w).replace('.', '_');
				report.append(table(fixture.retriever(onnx, w), questions, ids, suffix, RetrievalMode.HYBRID)
					.lines()
					.skip(1)
					.map((line) -> line.replaceFirst("^hybrid  ", "w=%.2f  ".formatted(w)) + "\n")
					.collect(java.util.stream.Collectors.joining()));
			}
		}
		System.out.print(report);
		Files.writeString(results, report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		System.exit(0);
	}

	/**
	 * Each mode's scores as a table, and as figures MODE[SUFFIX].LANGUAGE.recall_at_5 and
	 * .mrr (LANGUAGE: all, en, ko).
	 */
	static String table(HybridRetriever retriever, List<RetrievalEvaluation.Question> questions,
			Map<String, UUID> ids, String suffix, RetrievalMode... modes) {
		StringBuilder table = new StringBuilder();
		table.append("%-8s  %-22s  %-22s  %-22s%n".formatted("mode", "all: recall@5  MRR", "en: recall@5  MRR",
				"ko: recall@5  MRR"));
		for (RetrievalMode mode : modes) {
			Map<String, RetrievalEvaluation.Score> scores = RetrievalEvaluation.score(retriever, mode, questions, ids);
			String name = mode.name().toLowerCase(java.util.Locale.ROOT);
			table.append("%-8s".formatted(name));
			for (String key : List.of("all", "en", "ko")) {
				RetrievalEvaluation.Score score = scores.get(key);
				BenchmarkFigures.record(name + suffix + "." + key + ".recall_at_5", score.recall());
				BenchmarkFigures.record(name + suffix + "." + key + ".mrr", score.mrr());
				table.append("  %-22s".formatted("       %.3f  %.3f".formatted(score.recall(), score.mrr())));
			}
			table.append('\n');
		}
		return table.toString();
	}

}
