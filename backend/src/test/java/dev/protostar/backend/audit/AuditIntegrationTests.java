package dev.protostar.backend.audit;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.Multipart;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Security events land in audit_events, as the request that caused them saw it, and
 * admins read them back from GET /api/admin/audit.
 */
class AuditIntegrationTests extends IntegrationTestSupport {

	private static final String AUDIT = "/api/admin/audit";

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private AuditPurge purge;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void loginsAndFailedLoginsAreRecordedWithTheAddressAndWithoutThePassword() throws Exception {
		String email = uniqueEmail();
		String userId = signup(email, "Audited").at("/user/id").asString();
		HttpResponse<String> wrong = postJson("/api/auth/login",
				"{\"email\":\"" + email + "\",\"password\":\"not-the-password-42\"}");
		assertThat(wrong.statusCode()).isEqualTo(401);
		login(email, PASSWORD);

		JsonNode events = auditEvents(adminAccessToken(), "user=" + userId);

		assertThat(actions(events)).containsExactly("LOGIN", "LOGIN_FAILED", "SIGNUP");
		JsonNode failed = events.get(1);
		assertThat(failed.at("/actorUserId").isNull()).isTrue();
		assertThat(failed.at("/subjectUserId").asString()).isEqualTo(userId);
		assertThat(failed.at("/detail/email").asString()).isEqualTo(email);
		assertThat(failed.at("/clientAddress").asString()).isEqualTo(this.clientIp);
		assertThat(failed.at("/requestId").asString()).isNotBlank();
		assertThat(events.toString()).doesNotContain("not-the-password-42").doesNotContain(PASSWORD);
		JsonNode login = events.get(0);
		assertThat(login.at("/actorUserId").asString()).isEqualTo(userId);
		assertThat(login.at("/subjectUserId").asString()).isEqualTo(userId);
	}

	@Test
	void aFailedLoginForAnUnknownEmailIsRecordedWithoutSubject() throws Exception {
		String email = uniqueEmail();
		postJson("/api/auth/login", "{\"email\":\"" + email + "\",\"password\":\"whatever-password\"}");

		JsonNode events = auditEvents(adminAccessToken(), "action=LOGIN_FAILED&size=200");

		JsonNode mine = find(events, "/detail/email", email);
		assertThat(mine).isNotNull();
		assertThat(mine.at("/subjectUserId").isNull()).isTrue();
	}

	@Test
	void tierChangesNameTheAdminAndFromAndTo() throws Exception {
		JsonNode admin = login(ADMIN_EMAIL, ADMIN_PASSWORD);
		String adminId = admin.at("/user/id").asString();
		String userId = signup().at("/user/id").asString();
		assertThat(patchJson("/api/admin/users/" + userId + "/tier", admin.get("accessToken").asString(),
				"{\"tier\":\"PROTOSTAR\"}")
			.statusCode()).isEqualTo(200);

		JsonNode events = auditEvents(admin.get("accessToken").asString(), "user=" + userId + "&action=TIER_CHANGED");

		assertThat(events.size()).isOne();
		assertThat(events.get(0).at("/actorUserId").asString()).isEqualTo(adminId);
		assertThat(events.get(0).at("/subjectUserId").asString()).isEqualTo(userId);
		assertThat(events.get(0).at("/detail/from").asString()).isEqualTo("GUEST");
		assertThat(events.get(0).at("/detail/to").asString()).isEqualTo("PROTOSTAR");
	}

	@Test
	void sessionEventsAreRecorded() throws Exception {
		String email = uniqueEmail();
		JsonNode first = signup(email, "Sessions");
		String userId = first.at("/user/id").asString();
		// logout of one session
		assertThat(postJson("/api/auth/logout", "{\"refreshToken\":\"" + first.get("refreshToken").asString() + "\"}")
			.statusCode()).isEqualTo(200);
		// a second logout of the same token changes nothing and records nothing
		postJson("/api/auth/logout", "{\"refreshToken\":\"" + first.get("refreshToken").asString() + "\"}");
		JsonNode second = login(email, PASSWORD);
		JsonNode changed = body(postJson("/api/me/password", second.get("accessToken").asString(),
				"{\"currentPassword\":\"" + PASSWORD + "\",\"newPassword\":\"a brand new password\"}"))
			.get("data");
		String token = changed.get("accessToken").asString();
		String sessionId = body(get("/api/me/sessions", token)).at("/data/0/id").asString();
		assertThat(send(request("/api/me/sessions/" + sessionId).header("Authorization", "Bearer " + token)
			.DELETE()
			.build()).statusCode()).isEqualTo(200);
		String third = login(email, "a brand new password").get("accessToken").asString();
		assertThat(send(request("/api/auth/logout-all").header("Authorization", "Bearer " + third)
			.POST(BodyPublishers.noBody())
			.build()).statusCode()).isEqualTo(200);
		JsonNode admin = login(ADMIN_EMAIL, ADMIN_PASSWORD);
		assertThat(send(request("/api/admin/users/" + userId + "/sessions")
			.header("Authorization", "Bearer " + admin.get("accessToken").asString())
			.DELETE()
			.build()).statusCode()).isEqualTo(200);

		JsonNode events = auditEvents(admin.get("accessToken").asString(), "user=" + userId);

		assertThat(actions(events)).containsExactly("SESSION_REVOKED", "LOGOUT_ALL", "LOGIN", "SESSION_REVOKED",
				"PASSWORD_CHANGED", "LOGIN", "LOGOUT", "SIGNUP");
		assertThat(events.get(0).at("/actorUserId").asString()).isEqualTo(admin.at("/user/id").asString());
		assertThat(events.get(0).at("/detail/scope").asString()).isEqualTo("all");
		assertThat(events.get(3).at("/actorUserId").asString()).isEqualTo(userId);
		assertThat(events.get(3).at("/detail/session").asString()).isEqualTo(sessionId);
	}

	@Test
	void documentUploadReindexAndDeletionAreRecorded() throws Exception {
		JsonNode admin = login(ADMIN_EMAIL, ADMIN_PASSWORD);
		String token = admin.get("accessToken").asString();
		byte[] content = ("Audit trail document " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
		Multipart upload = new Multipart().file("file", "audited.txt", "text/plain", content);
		HttpResponse<String> uploaded = send(request("/api/admin/documents").header("Authorization", "Bearer " + token)
			.header("Content-Type", upload.contentType())
			.POST(BodyPublishers.ofByteArray(upload.bytes()))
			.build());
		assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
		String documentId = body(uploaded).at("/data/document/id").asString();
		String jobId = body(uploaded).at("/data/jobId").asString();
		// Reindex is refused while the first job waits (no worker here): let it be done.
		this.redis.delete("protostar:jobs:job:" + jobId);
		HttpResponse<String> reindexed = send(request("/api/admin/documents/" + documentId + "/reindex")
			.header("Authorization", "Bearer " + token)
			.POST(BodyPublishers.noBody())
			.build());
		assertThat(reindexed.statusCode()).as(reindexed.body()).isEqualTo(202);
		assertThat(send(request("/api/admin/documents/" + documentId).header("Authorization", "Bearer " + token)
			.DELETE()
			.build()).statusCode()).isEqualTo(200);

		List<JsonNode> mine = new ArrayList<>();
		for (JsonNode event : auditEvents(token, "user=" + admin.at("/user/id").asString() + "&size=200")) {
			if (documentId.equals(event.at("/detail/document").asString())) {
				mine.add(event);
			}
		}

		assertThat(mine).extracting((event) -> event.get("action").asString())
			.containsExactly("DOCUMENT_DELETED", "DOCUMENT_REINDEXED", "DOCUMENT_UPLOADED");
		assertThat(mine.get(2).at("/detail/filename").asString()).isEqualTo("audited.txt");
		assertThat(mine.get(1).at("/detail/job").asString()).isNotEqualTo(jobId);
	}

	@Test
	void filtersByActionAndTime() throws Exception {
		String token = adminAccessToken();
		Instant before = Instant.now().minusSeconds(1);
		String userId = signup().at("/user/id").asString();

		assertThat(auditEvents(token, "user=" + userId + "&action=SIGNUP&from=" + before)).hasSize(1);
		assertThat(auditEvents(token, "user=" + userId + "&action=LOGIN")).isEmpty();
		assertThat(auditEvents(token, "user=" + userId + "&to=" + before)).isEmpty();
		JsonNode page = body(get(AUDIT + "?size=1", token)).get("data");
		assertThat(page.get("items")).hasSize(1);
		assertThat(page.get("hasMore").asBoolean()).isTrue();
	}

	@Test
	void badParametersAnswer400Envelopes() throws Exception {
		String token = adminAccessToken();
		for (String query : List.of("user=not-a-uuid", "action=NOT_AN_ACTION", "from=yesterday", "size=0",
				"size=201", "page=-1", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")) {
			HttpResponse<String> response = get(AUDIT + "?" + query, token);
			assertThat(response.statusCode()).as(query).isEqualTo(400);
			assertThat(body(response).at("/resultCode").asString()).as(query).isEqualTo("VALIDATION_FAILED");
		}
	}

	@Test
	void onlyAdminsReadTheAudit() throws Exception {
		HttpResponse<String> response = get(AUDIT, signup().get("accessToken").asString());

		assertThat(response.statusCode()).isEqualTo(403);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("FORBIDDEN");
		assertThat(get(AUDIT).statusCode()).isEqualTo(401);
	}

	@Test
	void anUnwritableAuditTableDoesNotFailTheLogin() throws Exception {
		String email = uniqueEmail();
		signup(email, "Unaudited");
		double failuresBefore = this.meters.counter("protostar.audit.write.failures").count();
		this.jdbc.execute("ALTER TABLE audit_events RENAME TO audit_events_away");
		try {
			HttpResponse<String> response = postJson("/api/auth/login",
					"{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");

			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		}
		finally {
			this.jdbc.execute("ALTER TABLE audit_events_away RENAME TO audit_events");
		}
		assertThat(this.meters.counter("protostar.audit.write.failures").count()).isEqualTo(failuresBefore + 1);
	}

	@Test
	void thePurgeDeletesOnlyEventsOlderThanTheRetention() throws Exception {
		UUID subject = UUID.randomUUID();
		Instant now = Instant.now();
		insertEvent(subject, now.minus(Duration.ofDays(366)));
		insertEvent(subject, now.minus(Duration.ofDays(364)));

		assertThat(this.purge.purge()).isGreaterThanOrEqualTo(1);
		// Both colours purge: the second run finds nothing more of it.
		this.purge.purge();

		List<Timestamp> left = this.jdbc.queryForList(
				"SELECT occurred_at FROM audit_events WHERE subject_user_id = ?", Timestamp.class, subject);
		assertThat(left).singleElement()
			.satisfies((kept) -> assertThat(kept.toInstant()).isAfter(now.minus(Duration.ofDays(365))));
	}

	private void insertEvent(UUID subject, Instant at) {
		this.jdbc.update("INSERT INTO audit_events (occurred_at, subject_user_id, action) VALUES (?, ?, 'LOGIN')",
				Timestamp.from(at), subject);
	}

	private JsonNode auditEvents(String token, String query) throws Exception {
		HttpResponse<String> response = get(AUDIT + "?" + query, token);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return body(response).at("/data/items");
	}

	private static List<String> actions(JsonNode events) {
		List<String> actions = new ArrayList<>();
		events.forEach((event) -> actions.add(event.get("action").asString()));
		return actions;
	}

	private static JsonNode find(JsonNode events, String pointer, String value) {
		for (JsonNode event : events) {
			if (value.equals(event.at(pointer).asString())) {
				return event;
			}
		}
		return null;
	}

}
