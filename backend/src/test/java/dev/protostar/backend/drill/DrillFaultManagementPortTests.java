package dev.protostar.backend.drill;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.protostar.backend.BackendApplication;
import dev.protostar.backend.health.BackendIdentityHeaderFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a drill image does in a container: every public request fails while the
 * readiness probe on the management port, which the deploy tooling waits for,
 * still answers UP. Real Tomcat on both ports, because whether the main
 * context's filters reach the management child context is decided by Spring
 * Boot's wiring, not by this code. The readiness group is narrowed to
 * readinessState so that no PostgreSQL or Redis is needed (both are contacted
 * lazily, and Flyway is switched off, so startup does not need them either);
 * BackendApplicationIntegrationTests
 * covers the full group against real containers.
 */
@SpringBootTest(classes = BackendApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "management.endpoint.health.group.readiness.include=readinessState",
				"protostar.drill.fail-percent=100", "spring.flyway.enabled=false" })
class DrillFaultManagementPortTests {

	private static final HttpClient http = HttpClient.newHttpClient();

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@Test
	void publicPortFails() throws Exception {
		HttpResponse<String> response = get(this.port, "/api/health");

		assertThat(response.statusCode()).isEqualTo(500);
		assertThat(json.readTree(response.body()).at("/resultCode").asString()).isEqualTo("DRILL_FAULT");
		assertThat(response.headers().firstValue(BackendIdentityHeaderFilter.HEADER)).isPresent();
	}

	@Test
	void readinessOnManagementPortStaysUp() throws Exception {
		HttpResponse<String> response = get(this.managementPort, "/actuator/health/readiness");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = json.readTree(response.body());
		assertThat(body.at("/status").asString()).isEqualTo("UP");
		// No main-context filter runs there at all, the identity filter neither.
		assertThat(response.headers().firstValue(BackendIdentityHeaderFilter.HEADER)).isEmpty();
	}

	@Test
	void livenessOnManagementPortStaysUp() throws Exception {
		assertThat(get(this.managementPort, "/actuator/health/liveness").statusCode()).isEqualTo(200);
	}

	private static HttpResponse<String> get(int port, String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
				BodyHandlers.ofString());
	}

}
