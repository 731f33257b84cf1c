package dev.protostar.worker;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.protostar.contract.logging.FakeLoki;
import dev.protostar.contract.logging.TestLogging;
import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.JobPayloads;
import dev.protostar.worker.queue.JobQueue;
import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's logs reach Loki through loki4j when LOKI_URL is set, and only then, each
 * line with the ids of the job it belongs to. Loki is {@link FakeLoki}; the worker is the
 * whole application, against real PostgreSQL and Redis.
 */
@Testcontainers
class LokiLoggingIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** The console as the other tests of this JVM expect it: the worker's pattern. */
	private static final Map<String, String> CONSOLE = Map.of("logging.pattern.level",
			"%5p [%X{requestId:-}] [%X{jobId:-}]");

	@Container
	static final PostgreSQLContainer postgres = TestInfrastructure.postgres();

	@Container
	static final GenericContainer<?> redis = TestInfrastructure.redis();

	@RegisterExtension
	final FakeLoki loki = new FakeLoki();

	@BeforeAll
	static void schema() {
		// The ingestion handler looks its document up.
		try (HikariDataSource dataSource = TestInfrastructure.dataSource(postgres)) {
			TestInfrastructure.migrate(dataSource);
		}
	}

	@Test
	void withoutLokiUrlOnlyTheConsoleGetsLogs() throws Exception {
		this.loki.assertPushesOnlyWithAUrl(LokiLoggingIntegrationTests::startWorker, CONSOLE);
	}

	@Test
	void withLokiUrlAJobsLinesCarryItsIdAndItsRequestsId() throws Exception {
		String requestId = "loki-test-" + System.nanoTime();
		String jobId = "loki-job-" + System.nanoTime();
		try (ConfigurableApplicationContext worker = startWorker(this.loki.url())) {
			assertThat(TestLogging.rootAppender("LOKI")).isNotNull();
			// Enqueued as the backend does, with the request's id; the handler logs, on a
			// job thread, that the document does not exist.
			String payload = JobPayloads
				.write(new IngestionJobPayload(jobId, UUID.randomUUID().toString(), null, requestId));
			worker.getBean(JobQueue.class).enqueue(jobId, IngestionJobPayload.TYPE, payload);
			LoggerFactory.getLogger("dev.protostar.worker.LokiProbe").info("probe line");

			FakeLoki.Pushed handlerLine = this.loki.awaitLine((line) -> line.contains("Job " + jobId + ": document"),
					WAIT);
			FakeLoki.Pushed probe = this.loki.awaitLine((line) -> line.contains("probe line"), WAIT);

			assertThat(handlerLine).as("the handler's line was pushed").isNotNull();
			assertThat(handlerLine.line()).startsWith("rid=" + requestId + " job=" + jobId + " l=INFO ")
				.contains("does not exist");
			assertThat(probe).as("the probe line was pushed").isNotNull();
			assertThat(probe.line()).as("a line outside a job").startsWith("rid=- job=- l=INFO ");
			assertThat(probe.labels()).isEqualTo(Map.of("app", "ai-worker", "level", "INFO"));
			assertThat(this.loki.pushed()).allSatisfy((pushed) -> {
				assertThat(pushed.labels()).containsOnlyKeys("app", "level");
				assertThat(pushed.line()).startsWith("rid=");
			});
		}
		finally {
			TestLogging.consoleOnly(CONSOLE);
		}
	}

	/**
	 * The worker as its container runs it, LOKI_URL among the settings; as command-line
	 * arguments, they outrank application.properties as the environment does.
	 */
	private static ConfigurableApplicationContext startWorker(String lokiUrl) {
		TestLogging.release();
		return new SpringApplicationBuilder(WorkerApplication.class).run("--server.port=0",
				"--spring.datasource.url=" + postgres.getJdbcUrl(), "--spring.datasource.username=" + postgres.getUsername(),
				"--spring.datasource.password=" + postgres.getPassword(), "--spring.data.redis.host=" + redis.getHost(),
				"--spring.data.redis.port=" + redis.getMappedPort(6379), "--LOKI_URL=" + lokiUrl);
	}

}
