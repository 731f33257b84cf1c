package dev.protostar.worker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;

import dev.protostar.worker.queue.JobQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole worker against real PostgreSQL (with pgvector) and Redis. Image
 * names come from Maven properties, see the root pom.
 */
@Testcontainers
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.health.group.readiness.show-details=always")
class WorkerApplicationIntegrationTests {

	@Container
	@ServiceConnection
	static final PostgreSQLContainer postgres = new PostgreSQLContainer(
			DockerImageName.parse(System.getProperty("protostar.test.postgres-image", "protostar/postgres:17-pgvector0.8"))
				.asCompatibleSubstituteFor("postgres"));

	@Container
	@ServiceConnection(name = "redis")
	static final GenericContainer<?> redis = new GenericContainer<>(
			DockerImageName.parse(System.getProperty("protostar.test.redis-image", "protostar/redis:8"))
				.asCompatibleSubstituteFor("redis"))
		.withExposedPorts(6379);

	private static final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private JobQueue queue;

	@Test
	void readinessIsUpWithDatabaseAndRedis() throws Exception {
		HttpResponse<String> response = get("/actuator/health/readiness");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = JsonMapper.builder().build().readTree(response.body());
		assertThat(body.at("/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/db/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/redis/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/queue/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/queue/details/concurrency").asInt()).isEqualTo(4);
	}

	@Test
	void livenessAndPrometheusAnswer() throws Exception {
		assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
		HttpResponse<String> prometheus = get("/actuator/prometheus");
		assertThat(prometheus.statusCode()).isEqualTo(200);
		assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
	}

	@Test
	void queueMetricsAreExported() throws Exception {
		String body = get("/actuator/prometheus").body();
		assertThat(body).contains("protostar_queue_waiting{type=\"chat\"}", "protostar_queue_waiting{type=\"ingestion\"}",
				"protostar_queue_oldest_waiting_age_seconds{type=\"chat\"}", "protostar_queue_active ",
				"protostar_queue_delayed ", "protostar_queue_dead ");
	}

	@Test
	void unknownJobIsDeadLetteredByTheRunningWorker() throws Exception {
		// No ingestion handler exists yet (chat has one since issue 4): such a job is
		// dead-lettered with a clear error.
		this.queue.enqueue("app-1", "ingestion", "{\"v\":1,\"jobId\":\"app-1\"}");
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
		while (!"dead".equals(this.queue.job("app-1").get("state")) && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(this.queue.job("app-1")).containsEntry("state", "dead");
		assertThat(this.queue.job("app-1").get("lastError")).contains("no handler for job type 'ingestion'");
		String body = get("/actuator/prometheus").body();
		assertThat(body).contains("protostar_queue_jobs_dead_lettered_total{reason=\"non-retryable\",type=\"ingestion\"} 1.0");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				BodyHandlers.ofString());
	}

}
