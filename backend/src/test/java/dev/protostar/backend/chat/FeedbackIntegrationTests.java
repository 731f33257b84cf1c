package dev.protostar.backend.chat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** Votes on answers and the admins' list of them, through HTTP against PostgreSQL. */
class FeedbackIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void aVoteIsStoredWithTheAnswerReplacedByTheNextAndTakenBack() throws Exception {
		String token = token();
		Answered answered = answered(token, "How many days of leave do I have?", "Twenty days.");

		HttpResponse<String> up = putJson(feedback(answered.answer), token, "{\"rating\":\"UP\",\"comment\":\"clear\"}");
		assertThat(up.statusCode()).isEqualTo(200);
		assertThat(body(up).at("/data/rating").asString()).isEqualTo("UP");
		assertThat(answerMessage(token, answered).at("/feedback/rating").asString()).isEqualTo("UP");
		assertThat(answerMessage(token, answered).at("/feedback/comment").asString()).isEqualTo("clear");

		assertThat(putJson(feedback(answered.answer), token, "{\"rating\":\"DOWN\"}").statusCode()).isEqualTo(200);
		JsonNode replaced = answerMessage(token, answered).get("feedback");
		assertThat(replaced.get("rating").asString()).isEqualTo("DOWN");
		assertThat(replaced.get("comment").isNull()).isTrue();
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM message_feedback WHERE message_id = ?", Long.class,
				answered.answer)).isEqualTo(1);

		HttpResponse<String> removed = delete(feedback(answered.answer), token);
		assertThat(removed.statusCode()).isEqualTo(200);
		assertThat(answerMessage(token, answered).get("feedback").isNull()).isTrue();
	}

	@Test
	void onlyTheAskerVotesAndOnlyOnAnswers() throws Exception {
		String alice = token();
		String bob = token();
		Answered alices = answered(alice, "Alice's question", "Alice's answer");

		for (HttpResponse<String> response : List.of(
				putJson(feedback(alices.answer), bob, "{\"rating\":\"DOWN\"}"),
				delete(feedback(alices.answer), bob),
				putJson(feedback(alices.question), alice, "{\"rating\":\"UP\"}"),
				putJson(feedback(UUID.randomUUID()), alice, "{\"rating\":\"UP\"}"),
				delete(feedback(UUID.randomUUID()), alice))) {
			assertThat(response.statusCode()).isEqualTo(404);
			assertThat(body(response).get("resultCode").asString()).isEqualTo("NOT_FOUND");
		}
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM message_feedback WHERE message_id IN (?, ?)",
				Long.class, alices.answer, alices.question)).isZero();
	}

	@Test
	void badVotesAreRefusedWithTheirReason() throws Exception {
		String token = token();
		Answered answered = answered(token, "A question", "An answer");

		for (String bad : List.of("{}", "{\"rating\":\"MEH\"}", "{\"rating\":\"UP\",\"comment\":\"" + "x".repeat(2001)
				+ "\"}", "{\"rating\":\"UP\",\"comment\":\"a\\u0000b\"}")) {
			HttpResponse<String> response = putJson(feedback(answered.answer), token, bad);
			assertThat(response.statusCode()).as(bad).isEqualTo(400);
			assertThat(body(response).get("resultCode").asString()).as(bad).isIn("VALIDATION_FAILED", "MALFORMED_JSON");
		}
		assertThat(putJson(feedback(answered.answer), token,
				"{\"rating\":\"UP\",\"comment\":\"" + "x".repeat(2000) + "\"}").statusCode()).isEqualTo(200);
	}

	@Test
	void adminsListVotesNewestFirstWithQuestionAnswerAndVoter() throws Exception {
		String email = uniqueEmail();
		String token = signup(email, "Voter").get("accessToken").asString();
		Answered first = answered(token, "First question?", "First answer. " + "long ".repeat(100));
		Answered second = answered(token, "Second question?", "Second answer.");
		putJson(feedback(first.answer), token, "{\"rating\":\"DOWN\",\"comment\":\"wrong figure\"}");
		putJson(feedback(second.answer), token, "{\"rating\":\"UP\"}");
		String admin = adminAccessToken();

		JsonNode all = body(get("/api/admin/feedback?size=100", admin)).get("data");
		JsonNode down = body(get("/api/admin/feedback?rating=DOWN&size=100", admin)).get("data");

		List<String> order = all.get("items").valueStream().map((item) -> item.get("messageId").asString())
			.filter((id) -> id.equals(first.answer.toString()) || id.equals(second.answer.toString()))
			.toList();
		assertThat(order).containsExactly(second.answer.toString(), first.answer.toString());
		JsonNode entry = down.get("items").valueStream()
			.filter((item) -> item.get("messageId").asString().equals(first.answer.toString()))
			.findFirst()
			.orElseThrow();
		assertThat(entry.get("rating").asString()).isEqualTo("DOWN");
		assertThat(entry.get("comment").asString()).isEqualTo("wrong figure");
		assertThat(entry.get("question").asString()).isEqualTo("First question?");
		assertThat(entry.get("answerExcerpt").asString()).startsWith("First answer.").hasSize(300);
		assertThat(entry.get("userEmail").asString()).isEqualTo(email);
		assertThat(entry.get("conversationId").asString()).isEqualTo(first.conversation);
		assertThat(entry.get("createdAt").asString()).isNotBlank();
		assertThat(down.get("items").valueStream().map((item) -> item.get("rating").asString())).containsOnly("DOWN");
		assertThat(down.get("total").asLong()).isEqualTo(
				this.jdbc.queryForObject("SELECT count(*) FROM message_feedback WHERE rating = 'DOWN'", Long.class));
	}

	@Test
	void theListIsForAdminsOnly() throws Exception {
		HttpResponse<String> response = get("/api/admin/feedback", token());

		assertThat(response.statusCode()).isEqualTo(403);
		assertThat(body(response).get("resultCode").asString()).isEqualTo("FORBIDDEN");
	}

	@Test
	void theOpenApiDocumentDescribesTheWebAppsEndpoints() throws Exception {
		JsonNode paths = body(get("/api/openapi.json")).get("paths");

		assertThat(paths.at("/~1api~1messages~1{messageId}~1feedback").propertyNames()).contains("put", "delete");
		assertThat(paths.at("/~1api~1admin~1feedback").propertyNames()).contains("get");
		assertThat(paths.at("/~1api~1conversations~1{id}").propertyNames()).contains("patch", "delete");
		assertThat(paths.at("/~1api~1documents~1{documentId}~1chunks~1{chunkIndex}").propertyNames()).contains("get");
		assertThat(paths.at("/~1api~1admin~1users").propertyNames()).contains("get");
		assertThat(paths.at("/~1api~1admin~1queue~1dead-letters~1{id}~1replay").propertyNames()).contains("post");
	}

	private static String feedback(UUID messageId) {
		return "/api/messages/" + messageId + "/feedback";
	}

	private JsonNode answerMessage(String token, Answered answered) throws Exception {
		return body(get("/api/conversations/" + answered.conversation + "/messages", token)).at("/data/items")
			.valueStream()
			.filter((message) -> message.get("id").asString().equals(answered.answer.toString()))
			.findFirst()
			.orElseThrow();
	}

	private String token() throws Exception {
		return signup().get("accessToken").asString();
	}

	/** A conversation with a question and its answer, the answer stored as the worker does. */
	private Answered answered(String token, String question, String answer) throws Exception {
		String conversation = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		JsonNode asked = body(postJson("/api/conversations/" + conversation + "/messages", token,
				json.writeValueAsString(Map.of("message", question)))).get("data");
		UUID id = UUID.randomUUID();
		this.jdbc.update("INSERT INTO messages (id, conversation_id, role, content, job_id, status, metadata) "
				+ "VALUES (?, ?::uuid, 'assistant', ?, ?, 'answered', '{\"citations\": []}'::jsonb)", id, conversation,
				answer, asked.get("jobId").asString());
		return new Answered(conversation, UUID.fromString(asked.get("messageId").asString()), id);
	}

	private record Answered(String conversation, UUID question, UUID answer) {
	}

}
