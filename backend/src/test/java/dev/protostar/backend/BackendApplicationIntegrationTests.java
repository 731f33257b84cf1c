package dev.protostar.backend;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.Driver;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole backend against real PostgreSQL (with pgvector) and Redis, see
 * {@link IntegrationTestSupport}.
 */
class BackendApplicationIntegrationTests extends IntegrationTestSupport {

	@LocalManagementPort
	private int managementPort;

	@Autowired
	private DataSource dataSource;

	@Autowired
	private Flyway flyway;

	@Test
	void readinessIsUpWithDatabaseAndRedis() throws Exception {
		HttpResponse<String> response = getManagement("/actuator/health/readiness");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = json.readTree(response.body());
		assertThat(body.at("/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/db/status").asString()).isEqualTo("UP");
		assertThat(body.at("/components/redis/status").asString()).isEqualTo("UP");
	}

	@Test
	void livenessAndPrometheusAnswerOnManagementPort() throws Exception {
		assertThat(getManagement("/actuator/health/liveness").statusCode()).isEqualTo(200);
		HttpResponse<String> prometheus = getManagement("/actuator/prometheus");
		assertThat(prometheus.statusCode()).isEqualTo(200);
		assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
	}

	@Test
	void actuatorIsNotServedOnPublicPort() throws Exception {
		HttpResponse<String> response = get("/actuator/health");

		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("NOT_FOUND");
	}

	@Test
	void publicHealthAnswersWithProjectVersion() throws Exception {
		HttpResponse<String> response = get("/api/health");

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
	void migrationsCreatedTheUsersTable() {
		JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);

		assertThat(jdbc.queryForObject("SELECT count(*) FROM flyway_schema_history WHERE success", Integer.class))
			.isPositive();
		assertThat(jdbc.queryForObject("SELECT to_regclass('public.users') IS NOT NULL", Boolean.class)).isTrue();
	}

	@Test
	void pgvectorWorksThroughApplicationDataSource() {
		JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);

		Double distance = jdbc.queryForObject("SELECT '[1,2,3]'::vector <=> '[1,2,4]'", Double.class);

		assertThat(distance).isNotNull().isStrictlyBetween(0.0, 0.01);
	}

	/**
	 * Our PostgreSQL image enables pgvector in the database it creates, so the
	 * application's database cannot tell whether the migrations do (a managed
	 * database, or another image, would not): they run here, with the
	 * application's Flyway settings, on a database created bare.
	 */
	@Test
	void migrationsInstallPgvectorThemselves() {
		JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);
		String name = "bare_" + UUID.randomUUID().toString().replace("-", "");
		jdbc.execute("CREATE DATABASE " + name);
		try {
			var postgres = Containers.postgres;
			String url = "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/" + name;
			JdbcTemplate bare = new JdbcTemplate(
					new SimpleDriverDataSource(new Driver(), url, postgres.getUsername(), postgres.getPassword()));
			assertThat(extensions(bare)).as("before the migrations").doesNotContain("vector");

			Flyway.configure()
				.configuration(this.flyway.getConfiguration())
				.dataSource(url, postgres.getUsername(), postgres.getPassword())
				.load()
				.migrate();

			assertThat(extensions(bare)).as("after the migrations").contains("vector");
		}
		finally {
			jdbc.execute("DROP DATABASE " + name + " WITH (FORCE)");
		}
	}

	private static List<String> extensions(JdbcTemplate jdbc) {
		return jdbc.queryForList("SELECT extname FROM pg_extension", String.class);
	}

	private HttpResponse<String> getManagement(String path) throws Exception {
		return send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.managementPort + path)).build());
	}

}
