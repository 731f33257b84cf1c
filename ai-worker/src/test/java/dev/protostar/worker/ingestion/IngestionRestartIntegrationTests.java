package dev.protostar.worker.ingestion;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.FixedHostPortGenericContainer;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import dev.protostar.worker.queue.JobWorker;
import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL or Redis restarted (docker restart, same port) while documents are being
 * ingested: the worker recovers by itself and every document ends ready with exactly
 * its chunks.
 */
@Testcontainers
class IngestionRestartIntegrationTests {

	@Container
	static final GenericContainer<?> s3 = TestInfrastructure.s3proxy();

	@Test
	@SuppressWarnings("deprecation") // fixed host ports, so the restarted server is where clients look
	void postgresRestartMidRun() throws Exception {
		try (GenericContainer<?> postgres = postgres(); GenericContainer<?> redis = TestInfrastructure.redis()) {
			postgres.start();
			redis.start();
			run(postgres, redis, postgres);
		}
	}

	@Test
	@SuppressWarnings("deprecation")
	void redisRestartMidRun() throws Exception {
		int port = freePort();
		try (GenericContainer<?> postgres = postgres();
				GenericContainer<?> redis = new FixedHostPortGenericContainer<>(
						TestInfrastructure.REDIS_IMAGE.asCanonicalNameString())
					.withFixedExposedPort(port, 6379)
					.withCommand("redis-server", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes",
							"--appendfsync", "everysec")) {
			postgres.start();
			redis.start();
			run(postgres, redis, redis);
		}
	}

	private void run(GenericContainer<?> postgres, GenericContainer<?> redis, GenericContainer<?> restarted)
			throws Exception {
		String url = "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/protostar";
		try (IngestionHarness harness = new IngestionHarness(url, "protostar", "secret", redis.getHost(),
				redis.getMappedPort(6379), s3)) {
			TestInfrastructure.migrate(harness.dataSource);
			// A slow stand-in model, so the restart lands mid-run.
			FakeEmbeddingProvider model = new FakeEmbeddingProvider("fake-a", 8, 4);
			model.beforeBatch = (batch, texts) -> {
				try {
					Thread.sleep(40);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			};
			JobWorker worker = harness.worker("w1", harness.handler(model), Duration.ofSeconds(5),
					Duration.ofSeconds(1), 2);
			Map<UUID, Integer> expected = new LinkedHashMap<>();
			for (int i = 0; i < 6; i++) {
				String text = TestDocuments.prose(30_000, 200 + i);
				UUID id = harness.document("doc-" + i + ".txt", "text/plain", text.getBytes(StandardCharsets.UTF_8));
				expected.put(id, new Chunker(400, 60).chunk(text).size());
				harness.enqueue(id, 1);
			}
			IngestionHarness.await(Duration.ofSeconds(60), "some chunks are written",
					() -> harness.jdbc.queryForObject("SELECT count(*) FROM document_chunks", Integer.class) > 30);
			int total = expected.values().stream().mapToInt(Integer::intValue).sum();
			assertThat(harness.jdbc.queryForObject("SELECT count(*) FROM document_chunks", Integer.class))
				.as("chunks stored just before the restart, of %d", total)
				.isLessThan(total);

			restarted.getDockerClient().restartContainerCmd(restarted.getContainerId()).withTimeout(10).exec();

			// Work had begun before the restart and was not over after it: it landed mid-run.
			assertThat(readyOnceAnswered(harness)).as("documents ready right after the restart")
				.isLessThan(expected.size());

			for (UUID id : expected.keySet()) {
				IngestionHarness.await(Duration.ofSeconds(180), "document " + id + " is ready", () -> {
					try {
						return "ready".equals(harness.status(id));
					}
					catch (RuntimeException ex) {
						return false; // the database is still coming back
					}
				});
			}
			for (Map.Entry<UUID, Integer> entry : expected.entrySet()) {
				assertThat(harness.row(entry.getKey())).containsEntry("chunk_count", entry.getValue());
				assertThat(harness.chunkIndexes(entry.getKey()))
					.isEqualTo(IntStream.range(0, entry.getValue()).boxed().toList());
			}
			assertThat(worker.loopAlive()).isTrue();
		}
	}

	/** Ready documents, asked until the database answers (it may be coming back). */
	private static int readyOnceAnswered(IngestionHarness harness) {
		int[] ready = new int[1];
		IngestionHarness.await(Duration.ofSeconds(60), "the database answers", () -> {
			try {
				ready[0] = harness.jdbc.queryForObject("SELECT count(*) FROM documents WHERE status = 'ready'",
						Integer.class);
				return true;
			}
			catch (RuntimeException ex) {
				return false;
			}
		});
		return ready[0];
	}

	@SuppressWarnings("deprecation")
	private static GenericContainer<?> postgres() throws Exception {
		return new FixedHostPortGenericContainer<>(TestInfrastructure.POSTGRES_IMAGE.asCanonicalNameString())
			.withFixedExposedPort(freePort(), 5432)
			.withEnv("POSTGRES_DB", "protostar")
			.withEnv("POSTGRES_USER", "protostar")
			.withEnv("POSTGRES_PASSWORD", "secret")
			.waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 2)
				.withStartupTimeout(Duration.ofSeconds(90)));
	}

	private static int freePort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
