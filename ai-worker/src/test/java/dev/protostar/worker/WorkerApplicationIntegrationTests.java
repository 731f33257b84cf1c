package dev.protostar.worker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;

import com.pgvector.PGvector;
import org.flywaydb.core.Flyway;
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
import org.springframework.context.ApplicationContext;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.protostar.worker.queue.JobQueue;
import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole worker against real PostgreSQL (with pgvector) and Redis. Image
 * names come from Maven properties, see the root pom.
 */
@Testcontainers
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoint.health.group.readiness.show-details=always",
				// A type the worker takes from the queue but has no handler for.
				"protostar.queue.types=chat,ingestion,reports" })
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

	@Container
	static final GenericContainer<?> s3 = TestInfrastructure.s3proxy();

	@DynamicPropertySource
	static void s3(DynamicPropertyRegistry registry) {
		registry.add("protostar.s3.endpoint", () -> TestInfrastructure.s3Endpoint(s3));
		registry.add("protostar.s3.access-key", () -> TestInfrastructure.S3_ACCESS_KEY);
		registry.add("protostar.s3.secret-key", () -> TestInfrastructure.S3_SECRET_KEY);
	}

	private static final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private JobQueue queue;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private ApplicationContext context;

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
	void thePoolsConnectionsKnowPgvectorsType() {
		// VectorTypes, registered by EmbeddingConfiguration on Boot's own pool.
		TestInfrastructure.migrate(this.jdbc.getDataSource());
		Object vector = this.jdbc.queryForObject("SELECT '[1,2,3]'::vector", Object.class);
		assertThat(vector).isInstanceOf(PGvector.class);
		assertThat(((PGvector) vector).toArray()).containsExactly(1f, 2f, 3f);
	}

	@Test
	void redisIsReachedThroughPooledJedis() {
		assertThat(this.context.getBean(RedisConnectionFactory.class)).isInstanceOfSatisfying(
				JedisConnectionFactory.class, (jedis) -> {
					assertThat(jedis.getClientConfiguration().isUsePooling()).isTrue();
					assertThat(jedis.getPoolConfig().getMaxTotal()).isEqualTo(16);
				});
	}

	@Test
	void theWorkerDoesNotMigrateThoughTheMigrationsAreOnItsClassPath() {
		// They come with the contract; the backend owns the schema and migrates it.
		assertThat(new ClassPathResource("db/migration/V1__users.sql").exists()).isTrue();
		assertThat(this.context.getBeanNamesForType(Flyway.class)).isEmpty();
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
		// chat and ingestion have handlers; a configured type without one is
		// dead-lettered with a clear error.
		this.queue.enqueue("app-1", "reports", "{\"v\":1,\"jobId\":\"app-1\"}");
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
		while (!"dead".equals(this.queue.job("app-1").get("state")) && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(this.queue.job("app-1")).containsEntry("state", "dead");
		assertThat(this.queue.job("app-1").get("lastError")).contains("no handler for job type 'reports'");
		String body = get("/actuator/prometheus").body();
		assertThat(body).contains("protostar_queue_jobs_dead_lettered_total{reason=\"non-retryable\",type=\"reports\"} 1.0");
	}

	@Test
	void anUploadedDocumentIsIngestedByTheRunningWorker() throws Exception {
		TestInfrastructure.migrate(this.jdbc.getDataSource());
		io.minio.MinioClient client = TestInfrastructure.s3Client(s3);
		TestInfrastructure.bucket(client, TestInfrastructure.BUCKET);
		java.util.UUID id = java.util.UUID.randomUUID();
		byte[] text = "연차 휴가는 15일입니다. Annual leave is fifteen days.".getBytes(java.nio.charset.StandardCharsets.UTF_8);
		TestInfrastructure.put(client, "documents/" + id, text, "text/plain");
		this.jdbc.update("INSERT INTO documents (id, title, filename, content_type, size_bytes, object_key)"
				+ " VALUES (?, 'Leave', 'leave.txt', 'text/plain', ?, ?)", id, text.length, "documents/" + id);
		String jobId = "ingest-" + id + "-1";
		this.queue.enqueue(jobId, "ingestion",
				"{\"v\":1,\"jobId\":\"" + jobId + "\",\"documentId\":\"" + id + "\"}");

		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
		while (!"completed".equals(this.queue.job(jobId).get("state")) && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
		assertThat(this.queue.job(jobId)).containsEntry("state", "completed");
		assertThat(this.jdbc.queryForMap("SELECT status, chunk_count, embedding_model FROM documents WHERE id = ?", id))
			.containsEntry("status", "ready")
			.containsEntry("chunk_count", 1)
			.containsEntry("embedding_model", "all-minilm-l6-v2-q");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
				BodyHandlers.ofString());
	}

}
