package dev.protostar.worker.ingestion;

import java.time.Duration;

import dev.protostar.worker.embedding.OnnxEmbeddingProvider;

/**
 * A worker process for {@link IngestionKillIntegrationTests}: the real ONNX model,
 * ingestion handler and queue worker, in a JVM of its own that the test kills with
 * SIGKILL. Arguments: jdbcUrl user password redisHost redisPort s3Endpoint workerId.
 */
public final class IngestionWorkerMain {

	private IngestionWorkerMain() {
	}

	public static void main(String[] args) throws Exception {
		IngestionHarness harness = new IngestionHarness(args[0], args[1], args[2], args[3], Integer.parseInt(args[4]),
				args[5]);
		OnnxEmbeddingProvider onnx = new OnnxEmbeddingProvider(16, 2);
		harness.worker(args[6], harness.handler(onnx), Duration.ofSeconds(3), Duration.ofSeconds(1), 2);
		System.out.println("worker " + args[6] + " started");
		Thread.currentThread().join();
	}

}
