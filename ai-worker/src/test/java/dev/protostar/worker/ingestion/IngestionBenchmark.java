package dev.protostar.worker.ingestion;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.protostar.worker.embedding.OnnxEmbeddingProvider;
import dev.protostar.worker.support.BenchmarkFigures;
import dev.protostar.worker.support.TestInfrastructure;

/**
 * The ingestion benchmark, run by {@code scripts/bench/ingestion} against PostgreSQL,
 * Redis and S3Proxy that it starts (not part of the build: neither a *Tests nor an
 * *IntegrationTests class).
 *
 * <ol>
 * <li>Raw model: the documents' chunks embedded in batches straight through the
 * in-process ONNX provider: chunks/s.</li>
 * <li>End to end: the same documents uploaded to S3, registered and enqueued, then
 * ingested through the queue by 1 and by 2 worker instances (each with its own model
 * instance, as replicas would have): chunks/s from the workers' start until the last
 * document is ready, and its ratio to the raw figure.</li>
 * </ol>
 * Settings are the production defaults: chunks of 1,000 characters with 150 of overlap,
 * batches of 32, worker concurrency 4. Arguments: jdbcUrl user password redisHost
 * redisPort s3Endpoint documents charsPerDocument resultsFile
 */
public final class IngestionBenchmark {

	private IngestionBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int documents = Integer.parseInt(args[6]);
		int chars = Integer.parseInt(args[7]);
		Path results = Path.of(args[8]);
		int threads = Runtime.getRuntime().availableProcessors();
		Chunker chunker = new Chunker(1000, 150);
		List<String> texts = new ArrayList<>();
		int chunks = 0;
		for (int i = 0; i < documents; i++) {
			String text = TestDocuments.prose(chars, 1000 + i);
			texts.add(text);
			chunks += chunker.chunk(text).size();
		}
		StringBuilder report = new StringBuilder();
		report.append("ingestion benchmark, %s, %d cores, load average %.1f%n".formatted(java.time.Instant.now(),
				threads, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
		report.append("%d documents of %d characters: %d chunks (1000 chars, overlap 150), batches of 32, model %s%n"
			.formatted(documents, chars, chunks, OnnxEmbeddingProvider.MODEL));

		try (IngestionHarness harness = new IngestionHarness(args[0], args[1], args[2], args[3],
				Integer.parseInt(args[4]), args[5])) {
			TestInfrastructure.migrate(harness.dataSource);
			double raw;
			try (OnnxEmbeddingProvider onnx = new OnnxEmbeddingProvider(32, threads)) {
				embedAll(onnx, chunker, texts.subList(0, Math.min(3, texts.size()))); // warm-up
				long start = System.nanoTime();
				embedAll(onnx, chunker, texts);
				raw = chunks / seconds(start);
			}
			report.append("raw model (one caller, %d threads):  %8.1f chunks/s%n".formatted(threads, raw));
			BenchmarkFigures.record("run.documents", documents);
			BenchmarkFigures.record("run.chunks", chunks);
			BenchmarkFigures.record("raw.chunks_s", raw);
			for (int workers : new int[] { 1, 2 }) {
				double e2e = endToEnd(harness, texts, workers, threads);
				report.append("end to end, %d worker%s, concurrency 4:  %8.1f chunks/s  (%.2f of raw)%n".formatted(workers,
						(workers == 1) ? " " : "s", chunks * 1.0 / e2e, chunks / e2e / raw));
				BenchmarkFigures.record("workers_" + workers + ".chunks_s", chunks / e2e);
				BenchmarkFigures.record("workers_" + workers + ".of_raw", chunks / e2e / raw);
			}
		}
		System.out.print(report);
		Files.writeString(results, report, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		System.exit(0);
	}

	private static void embedAll(OnnxEmbeddingProvider onnx, Chunker chunker, List<String> texts) {
		for (String text : texts) {
			List<String> chunks = chunker.chunk(text);
			for (int from = 0; from < chunks.size(); from += 32) {
				onnx.embed(chunks.subList(from, Math.min(from + 32, chunks.size())));
			}
		}
	}

	/** Seconds from the workers' start until every document is ready. */
	private static double endToEnd(IngestionHarness harness, List<String> texts, int workers, int threads)
			throws Exception {
		harness.reset();
		List<UUID> ids = new ArrayList<>();
		for (int i = 0; i < texts.size(); i++) {
			UUID id = harness.document("bench-" + i + ".txt", "text/plain", texts.get(i).getBytes(StandardCharsets.UTF_8));
			harness.enqueue(id, 1);
			ids.add(id);
		}
		List<OnnxEmbeddingProvider> models = new ArrayList<>();
		for (int w = 0; w < workers; w++) {
			OnnxEmbeddingProvider onnx = new OnnxEmbeddingProvider(32, threads);
			onnx.embed(List.of("warm-up")); // load the model before the clock starts, as a running worker has
			models.add(onnx);
		}
		long start = System.nanoTime();
		for (int w = 0; w < workers; w++) {
			IngestionJobHandler handler = new IngestionJobHandler(harness.documents, harness.storage,
					new TextExtractor(TestLimits.limits()), new Chunker(1000, 150), models.get(w),
					new VectorIndexes(harness.jdbc, true), 50L * 1024 * 1024);
			harness.worker("bench-" + w, handler, Duration.ofSeconds(30), Duration.ofSeconds(10), 4);
		}
		IngestionHarness.await(Duration.ofMinutes(30), "every document is ready", () -> harness.jdbc
			.queryForObject("SELECT count(*) FROM documents WHERE status = 'ready'", Integer.class) == ids.size());
		double seconds = seconds(start);
		harness.stopWorkers();
		models.forEach(OnnxEmbeddingProvider::close);
		return seconds;
	}

	private static double seconds(long start) {
		return (System.nanoTime() - start) / 1e9;
	}

}
