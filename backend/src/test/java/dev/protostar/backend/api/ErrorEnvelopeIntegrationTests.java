package dev.protostar.backend.api;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad requests of every kind get the envelope with a 4xx status, never a 5xx
 * and never an HTML page. One bad input per test.
 */
class ErrorEnvelopeIntegrationTests extends IntegrationTestSupport {

	private static final String SIGNUP = "/api/auth/signup";

	@Test
	void malformedJson() throws Exception {
		assertEnvelope(postJson(SIGNUP, "{\"email\": "), 400, "MALFORMED_JSON");
	}

	@Test
	void trailingTokensAfterTheObject() throws Exception {
		assertEnvelope(postJson(SIGNUP, validSignup() + " {}"), 400, "MALFORMED_JSON");
	}

	@Test
	void arrayInsteadOfObject() throws Exception {
		assertEnvelope(postJson(SIGNUP, "[]"), 400, "MALFORMED_JSON");
	}

	@Test
	void emptyBody() throws Exception {
		assertEnvelope(postJson(SIGNUP, ""), 400, "MALFORMED_JSON");
	}

	@Test
	void unknownField() throws Exception {
		HttpResponse<String> response = postJson(SIGNUP, """
				{"email":"%s","password":"%s","displayName":"X","tier":"ADMIN"}""".formatted(uniqueEmail(), PASSWORD));

		assertEnvelope(response, 400, "UNKNOWN_FIELD");
		assertThat(body(response).at("/message").asString()).contains("'tier'");
	}

	@Test
	void numberWhereTextBelongs() throws Exception {
		HttpResponse<String> response = postJson(SIGNUP, """
				{"email":42,"password":"%s","displayName":"X"}""".formatted(PASSWORD));

		assertEnvelope(response, 400, "VALIDATION_FAILED");
		assertThat(body(response).at("/message").asString()).contains("'email'");
	}

	@Test
	void objectWhereTextBelongs() throws Exception {
		assertEnvelope(postJson(SIGNUP, """
				{"email":"%s","password":{"a":1},"displayName":"X"}""".formatted(uniqueEmail())), 400,
				"VALIDATION_FAILED");
	}

	@Test
	void missingField() throws Exception {
		HttpResponse<String> response = postJson(SIGNUP, """
				{"email":"%s","password":"%s"}""".formatted(uniqueEmail(), PASSWORD));

		assertEnvelope(response, 400, "VALIDATION_FAILED");
		assertThat(body(response).at("/message").asString()).contains("displayName");
	}

	@Test
	void invalidEmail() throws Exception {
		assertEnvelope(postJson(SIGNUP, """
				{"email":"not-an-email","password":"%s","displayName":"X"}""".formatted(PASSWORD)), 400,
				"VALIDATION_FAILED");
	}

	@Test
	void passwordTooShort() throws Exception {
		assertEnvelope(postJson(SIGNUP, """
				{"email":"%s","password":"short","displayName":"X"}""".formatted(uniqueEmail())), 400,
				"VALIDATION_FAILED");
	}

	@Test
	void invalidUtf8() throws Exception {
		byte[] head = ("{\"email\":\"" + uniqueEmail() + "\",\"password\":\"" + PASSWORD + "\",\"displayName\":\"")
			.getBytes(StandardCharsets.UTF_8);
		byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
		byte[] body = new byte[head.length + 2 + tail.length];
		System.arraycopy(head, 0, body, 0, head.length);
		// A lone continuation byte and an overlong encoding: no UTF-8 text has them.
		body[head.length] = (byte) 0x80;
		body[head.length + 1] = (byte) 0xC0;
		System.arraycopy(tail, 0, body, head.length + 2, tail.length);

		assertEnvelope(post(SIGNUP, "application/json", BodyPublishers.ofByteArray(body)), 400, "MALFORMED_JSON");
	}

	@Test
	void bodyOverTheLimitWithContentLength() throws Exception {
		String big = "{\"email\":\"" + "a".repeat(300 * 1024) + "\"}";

		assertEnvelope(postJson(SIGNUP, big), 413, "PAYLOAD_TOO_LARGE");
	}

	@Test
	void chunkedBodyOverTheLimit() throws Exception {
		byte[] big = ("{\"email\":\"" + "a".repeat(300 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
		// A stream of unknown length is sent chunked, without Content-Length.
		HttpResponse<String> response = post(SIGNUP, "application/json",
				BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));

		assertEnvelope(response, 413, "PAYLOAD_TOO_LARGE");
	}

	@Test
	void wrongContentType() throws Exception {
		assertEnvelope(post(SIGNUP, "text/plain", BodyPublishers.ofString(validSignup())), 415,
				"UNSUPPORTED_MEDIA_TYPE");
	}

	@Test
	void formContentType() throws Exception {
		assertEnvelope(post(SIGNUP, "application/x-www-form-urlencoded", BodyPublishers.ofString("email=a")), 415,
				"UNSUPPORTED_MEDIA_TYPE");
	}

	@Test
	void wrongMethod() throws Exception {
		assertEnvelope(get(SIGNUP), 405, "METHOD_NOT_ALLOWED");
	}

	@Test
	void unknownPath() throws Exception {
		assertEnvelope(get("/api/nothing/here"), 404, "NOT_FOUND");
	}

	@Test
	void unknownPathOutsideTheApi() throws Exception {
		assertEnvelope(get("/index.html"), 404, "NOT_FOUND");
	}

	@Test
	void errorPathRequestedDirectly() throws Exception {
		assertEnvelope(get("/error"), 404, "NOT_FOUND");
	}

	@Test
	void pathTheFirewallRejects() throws Exception {
		// Spring Security's firewall refuses encoded slashes and the like.
		assertEnvelope(get("/api/health%2F..%2Fme"), 400, "BAD_REQUEST");
	}

	@Test
	void requestTomcatRejectsItselfIsJsonToo() throws Exception {
		// An invalid percent-encoding never reaches the application: Tomcat
		// answers it, through JsonErrorReportValve.
		String raw = rawRequest("GET /api/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

		assertThat(raw).startsWith("HTTP/1.1 400");
		assertThat(raw).containsIgnoringCase("Content-Type: application/json");
		assertThat(raw).contains("{\"resultCode\":\"BAD_REQUEST\",\"data\":null,\"message\":\"bad request\"}");
		assertThat(raw).doesNotContainIgnoringCase("<html").doesNotContain("Tomcat");
	}

	@Test
	void requestIdFromNginxIsKept() throws Exception {
		HttpResponse<String> response = send(
				request("/api/health").header("X-Request-Id", "0123456789abcdef0123456789abcdef").GET().build());

		assertThat(response.headers().firstValue("X-Request-Id")).hasValue("0123456789abcdef0123456789abcdef");
	}

	@Test
	void requestIdIsGeneratedWhenMissing() throws Exception {
		assertThat(get("/api/health").headers().firstValue("X-Request-Id"))
			.hasValueSatisfying((id) -> assertThat(id).matches("[0-9a-f-]{36}"));
	}

	@Test
	void openApiDocumentIsPublic() throws Exception {
		HttpResponse<String> response = get("/api/openapi.json");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode document = body(response);
		assertThat(document.at("/openapi").asString()).startsWith("3.");
		assertThat(document.at("/paths").has("/api/auth/signup")).isTrue();
		assertThat(document.at("/paths").has("/api/admin/users/{id}/tier")).isTrue();
	}

	private static String validSignup() {
		return """
				{"email":"%s","password":"%s","displayName":"X"}""".formatted(uniqueEmail(), PASSWORD);
	}

	private String rawRequest(String request) throws Exception {
		try (Socket socket = new Socket("localhost", this.port)) {
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

	private static void assertEnvelope(HttpResponse<String> response, int status, String resultCode) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/json"));
		JsonNode body = body(response);
		assertThat(body.at("/resultCode").asString()).isEqualTo(resultCode);
		assertThat(body.at("/data").isNull()).isTrue();
		assertThat(body.at("/message").asString()).isNotBlank();
	}

}
