package dev.protostar.worker.ingestion;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Worker processes killed with SIGKILL in the middle of ingestion, again and again:
 * each time the next process takes the jobs over when their lease expires and resumes
 * them. Every document must end ready with exactly its chunks.
 */
@Testcontainers
class IngestionKillIntegrationTests {

	private static final int KILLS = 3;

	@Container
	static final PostgreSQLContainer postgres = TestInfrastructure.postgres();

	@Container
	static final GenericContainer<?> redis = TestInfrastructure.redis();

	@Container
	static final GenericContainer<?> s3 = TestInfrastructure.s3proxy();

	@Test
	void everyDocumentEndsReadyWithExactlyItsChunks() throws Exception {
		try (IngestionHarness harness = new IngestionHarness(postgres.getJdbcUrl(), postgres.getUsername(),
				postgres.getPassword(), redis.getHost(), redis.getMappedPort(6379), s3)) {
			TestInfrastructure.migrate(harness.dataSource);
			Map<UUID, Integer> expected = new LinkedHashMap<>();
			for (int i = 0; i < 3; i++) {
				String text = TestDocuments.prose(40_000, 100 + i);
				UUID id = harness.document("doc-" + i + ".txt", "text/plain", text.getBytes(StandardCharsets.UTF_8));
				expected.put(id, new Chunker(400, 60).chunk(text).size());
				harness.enqueue(id, 1);
			}
			int total = expected.values().stream().mapToInt(Integer::intValue).sum();

			for (int kill = 1; kill <= KILLS; kill++) {
				Process worker = start(kill);
				try {
					int before = totalChunks(harness);
					// Kill only once this process has written chunks of its own: mid-ingestion.
					IngestionHarness.await(Duration.ofSeconds(120), "worker " + kill + " writes chunks",
							() -> totalChunks(harness) >= before + 40 || !worker.isAlive());
					assertThat(worker.isAlive()).as("worker %d still running", kill).isTrue();
					assertThat(totalChunks(harness)).as("killed before the end").isLessThan(total);
				}
				finally {
					worker.destroyForcibly(); // SIGKILL
					worker.waitFor(30, TimeUnit.SECONDS);
				}
			}
			Process last = start(KILLS + 1);
			try {
				for (UUID id : expected.keySet()) {
					IngestionHarness.await(Duration.ofSeconds(180), "document " + id + " is ready",
							() -> "ready".equals(harness.status(id)));
				}
			}
			finally {
				last.destroy();
				last.waitFor(30, TimeUnit.SECONDS);
			}
			for (Map.Entry<UUID, Integer> entry : expected.entrySet()) {
				UUID id = entry.getKey();
				assertThat(harness.row(id)).containsEntry("status", "ready").containsEntry("chunk_count", entry.getValue());
				assertThat(harness.chunkIndexes(id)).isEqualTo(IntStream.range(0, entry.getValue()).boxed().toList());
			}
			assertThat(harness.producer.stats().total("recovered")).as("jobs taken over after a kill")
				.isGreaterThanOrEqualTo(KILLS);
		}
	}

	private static int totalChunks(IngestionHarness harness) {
		return harness.jdbc.queryForObject("SELECT count(*) FROM document_chunks", Integer.class);
	}

	private static Process start(int n) throws Exception {
		String java = ProcessHandle.current().info().command().orElse("java");
		List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
				IngestionWorkerMain.class.getName(), postgres.getJdbcUrl(), postgres.getUsername(),
				postgres.getPassword(), redis.getHost(), Integer.toString(redis.getMappedPort(6379)),
				TestInfrastructure.s3Endpoint(s3), "killable-" + n));
		File log = new File("target/ingestion-kill-worker-" + n + ".log");
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
	}

}
