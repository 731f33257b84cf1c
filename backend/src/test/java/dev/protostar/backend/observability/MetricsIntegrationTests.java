package dev.protostar.backend.observability;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalManagementPort;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.Multipart;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics an operator watches, at /actuator/prometheus on the management
 * port, tagged with the application and the colour. Each is made to move by a
 * real request, and the test reads the value before and after.
 */
class MetricsIntegrationTests extends IntegrationTestSupport {

	private static final String TAGS = "application=\"backend\",color=\"blue\"";

	@LocalManagementPort
	private int managementPort;

	@Test
	void aFailedLoginIsCounted() throws Exception {
		double before = value("protostar_login_failures_total", "");

		postJson("/api/auth/login", "{\"email\":\"" + uniqueEmail() + "\",\"password\":\"not the password\"}");

		assertThat(value("protostar_login_failures_total", "")).isEqualTo(before + 1);
	}

	@Test
	void requestsRefusedByARateLimitAreCountedByKind() throws Exception {
		double before = value("protostar_rate_limited_total", "kind=\"auth\"");

		// Login and signup allow 10 a minute from one address; this test's address is its own.
		for (int i = 0; i < 11; i++) {
			postJson("/api/auth/login", "{\"email\":\"x\",\"password\":\"y\"}");
		}

		assertThat(value("protostar_rate_limited_total", "kind=\"auth\"")).isEqualTo(before + 1);
	}

	@Test
	void questionsAreCountedByTier() throws Exception {
		String token = signup().get("accessToken").asString();
		String conversation = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		double before = value("protostar_questions_asked_total", "tier=\"GUEST\"");

		postJson("/api/conversations/" + conversation + "/messages", token, "{\"message\":\"Counted?\"}");

		assertThat(value("protostar_questions_asked_total", "tier=\"GUEST\"")).isEqualTo(before + 1);
	}

	@Test
	void documentUploadsAndDeletesAreCounted() throws Exception {
		String token = adminAccessToken();
		double uploaded = value("protostar_documents_uploaded_total", "format=\"markdown\"");
		double deleted = value("protostar_documents_deleted_total", "");
		Multipart body = new Multipart().file("file", "metrics.md", "text/markdown",
				("# Counted\n" + UUID.randomUUID()).getBytes());
		HttpResponse<String> response = send(request("/api/admin/documents").header("Authorization", "Bearer " + token)
			.header("Content-Type", body.contentType())
			.POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()))
			.build());
		String id = body(response).at("/data/document/id").asString();

		send(request("/api/admin/documents/" + id).header("Authorization", "Bearer " + token).DELETE().build());

		assertThat(value("protostar_documents_uploaded_total", "format=\"markdown\"")).isEqualTo(uploaded + 1);
		assertThat(value("protostar_documents_deleted_total", "")).isEqualTo(deleted + 1);
	}

	@Test
	void streamsAndHttpServerMetricsAreThereWithTheCommonTags() throws Exception {
		get("/api/health");

		String metrics = prometheus();

		assertThat(metrics).containsPattern("protostar_sse_streams\\{" + TAGS + "\\} \\d");
		assertThat(metrics).containsPattern("http_server_requests_seconds_count\\{" + TAGS + ",.*uri=\"/api/health\"");
		assertThat(metrics).contains("http_server_requests_seconds_bucket{" + TAGS);
		// Labels are sorted by name: the JVM's own come between the common ones.
		assertThat(metrics).containsPattern("jvm_memory_used_bytes\\{application=\"backend\",[^}]*color=\"blue\"");
	}

	/** The value of one series (0 when it does not exist yet), with the common tags and these. */
	private double value(String name, String tags) throws Exception {
		String labels = tags.isEmpty() ? TAGS : TAGS + "," + tags;
		Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$")
			.matcher(prometheus());
		return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
	}

	private String prometheus() throws Exception {
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create("http://localhost:" + this.managementPort + "/actuator/prometheus"))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

}
