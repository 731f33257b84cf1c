package dev.protostar.backend;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;

import javax.sql.DataSource;

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
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole backend against real PostgreSQL (with pgvector) and Redis. Image
 * names come from Maven properties, see the root pom.
 */
@Testcontainers
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "management.endpoint.health.group.readiness.show-details=always" })
class BackendApplicationIntegrationTests {

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

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@Autowired
	private DataSource dataSource;

	@Test
	void readinessIsUpWithDatabaseAndRedis() throws Exception {
		HttpResponse<String> response = get(this.managementPort, "/actuator/health/readiness");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = json.readTree(response.body());
		assertThat(body.at("/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/db/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/redis/status").asString()).isEqualTo("UP");
	}

	@Test
	void livenessAndPrometheusAnswerOnManagementPort() throws Exception {
		assertThat(get(this.managementPort, "/actuator/health/liveness").statusCode()).isEqualTo(200);
		HttpResponse<String> prometheus = get(this.managementPort, "/actuator/prometheus");
		assertThat(prometheus.statusCode()).isEqualTo(200);
		assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
	}

	@Test
	void actuatorIsNotServedOnPublicPort() throws Exception {
		assertThat(get(this.port, "/actuator/health").statusCode()).isEqualTo(404);
	}

	@Test
	void publicHealthAnswersWithProjectVersion() throws Exception {
		HttpResponse<String> response = get(this.port, "/api/health");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = json.readTree(response.body());
		assertThat(body.at("/resultCode").asString()).isEqualTo("OK");
		assertThat(body.at("/data/status").asString()).isEqualTo("UP");
		// Proves Maven resource filtering ran: the raw token would be "@project.version@".
		String version = body.at("/data/version").asString();
		assertThat(version).matches("\\d+\\.\\d+\\.\\d+.*");
		assertThat(response.headers().firstValue("X-Protostar-Backend"))
			.hasValue(body.at("/data/color").asString() + " " + version);
	}

	@Test
	void pgvectorWorksThroughApplicationDataSource() {
		JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);
		jdbc.execute("CREATE EXTENSION IF NOT EXISTS vector");

		Double distance = jdbc.queryForObject("SELECT '[1,2,3]'::vector <=> '[1,2,4]'", Double.class);

		assertThat(distance).isNotNull().isStrictlyBetween(0.0, 0.01);
	}

	private static HttpResponse<String> get(int port, String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
				BodyHandlers.ofString());
	}

}
