package dev.protostar.backend.chat;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** Conversations and questions through HTTP, against PostgreSQL and the Redis job queue. */
class ChatIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void conversationsAreCreatedAndListedNewestFirst() throws Exception {
		String token = token();
		for (String title : new String[] { "first", "second", "third" }) {
			HttpResponse<String> created = postJson("/api/conversations", token, "{\"title\":\"" + title + "\"}");
			assertThat(created.statusCode()).isEqualTo(201);
			assertThat(body(created).at("/data/title").asString()).isEqualTo(title);
			assertThat(body(created).at("/data/id").asString()).isNotBlank();
		}

		JsonNode firstPage = body(get("/api/conversations?size=2", token)).get("data");
		JsonNode secondPage = body(get("/api/conversations?size=2&page=1", token)).get("data");

		assertThat(firstPage.at("/items/0/title").asString()).isEqualTo("third");
		assertThat(firstPage.at("/items/1/title").asString()).isEqualTo("second");
		assertThat(firstPage.at("/hasMore").asBoolean()).isTrue();
		assertThat(secondPage.at("/items").size()).isEqualTo(1);
		assertThat(secondPage.at("/items/0/title").asString()).isEqualTo("first");
		assertThat(secondPage.at("/hasMore").asBoolean()).isFalse();
	}

	@Test
	void conversationWithoutBodyGetsTheDefaultTitle() throws Exception {
		String token = token();
		HttpResponse<String> created = send(request("/api/conversations").header("Authorization", "Bearer " + token)
			.POST(java.net.http.HttpRequest.BodyPublishers.noBody())
			.build());

		assertThat(created.statusCode()).isEqualTo(201);
		assertThat(body(created).at("/data/title").asString()).isEqualTo("New conversation");
	}

	@Test
	void listsShowOnlyTheCallersConversations() throws Exception {
		String alice = token();
		String bob = token();
		conversation(alice);

		JsonNode bobs = body(get("/api/conversations", bob)).get("data");

		assertThat(bobs.at("/items").size()).isZero();
	}

	@Test
	void postingAQuestionAnswers202AndEnqueuesTheJobWithItsPayload() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String userId = user.at("/user/id").asString();
		String conversationId = conversation(token);

		HttpResponse<String> response = ask(token, conversationId, "How many days of leave do I have?");

		assertThat(response.statusCode()).isEqualTo(202);
		JsonNode data = body(response).get("data");
		String jobId = data.get("jobId").asString();
		assertThat(data.get("conversationId").asString()).isEqualTo(conversationId);
		Map<Object, Object> job = this.redis.opsForHash().entries("protostar:jobs:job:" + jobId);
		assertThat(job).containsEntry("type", "chat").containsEntry("state", "waiting").containsEntry("maxAttempts", "3");
		assertThat(this.redis.opsForList().range("protostar:jobs:wait:chat", 0, -1)).contains(jobId);
		JsonNode payload = json.readTree((String) job.get("payload"));
		assertThat(payload.propertyNames()).containsExactlyInAnyOrder("v", "jobId", "userId", "role", "documentAccess",
				"conversationId", "message", "traceId");
		assertThat(payload.get("v").asInt()).isEqualTo(1);
		assertThat(payload.get("jobId").asString()).isEqualTo(jobId);
		assertThat(payload.get("userId").asString()).isEqualTo(userId);
		assertThat(payload.get("role").asString()).isEqualTo("GUEST");
		assertThat(payload.get("documentAccess").asString()).isEqualTo("PUBLIC");
		assertThat(payload.get("conversationId").asString()).isEqualTo(conversationId);
		assertThat(payload.get("message").asString()).isEqualTo("How many days of leave do I have?");
		assertThat(payload.get("traceId").asString()).isEqualTo(response.headers().firstValue("X-Request-Id").get());

		JsonNode messages = body(get("/api/conversations/" + conversationId + "/messages", token)).at("/data/items");
		assertThat(messages.size()).isEqualTo(1);
		assertThat(messages.at("/0/id").asString()).isEqualTo(data.get("messageId").asString());
		assertThat(messages.at("/0/role").asString()).isEqualTo("user");
		assertThat(messages.at("/0/status").asString()).isEqualTo("pending");
		assertThat(messages.at("/0/jobId").asString()).isEqualTo(jobId);
		assertThat(this.jdbc.queryForObject("SELECT questions_asked FROM users WHERE id = ?::uuid", Long.class, userId))
			.isEqualTo(1);
	}

	@Test
	void anotherUsersConversationLooksExactlyLikeAnUnknownOne() throws Exception {
		String alice = token();
		String bob = token();
		String alicesConversation = conversation(alice);
		String unknown = UUID.randomUUID().toString();

		HttpResponse<String> readOthers = get("/api/conversations/" + alicesConversation + "/messages", bob);
		HttpResponse<String> readUnknown = get("/api/conversations/" + unknown + "/messages", bob);
		HttpResponse<String> askOthers = ask(bob, alicesConversation, "What does Alice ask?");
		HttpResponse<String> askUnknown = ask(bob, unknown, "What does Alice ask?");

		for (HttpResponse<String> response : java.util.List.of(readOthers, readUnknown, askOthers, askUnknown)) {
			assertThat(response.statusCode()).isEqualTo(404);
			assertThat(body(response).at("/resultCode").asString()).isEqualTo("NOT_FOUND");
		}
		assertThat(readOthers.body()).isEqualTo(readUnknown.body());
		assertThat(askOthers.body()).isEqualTo(askUnknown.body());
		assertThat(messageCount(alicesConversation)).isZero();
	}

	@Test
	void injectionStringsAreStoredAndReturnedInert() throws Exception {
		String token = token();
		long conversationsBefore = count("conversations");
		long messagesBefore = count("messages");
		String title = "'); DROP TABLE conversations; -- <script>alert(1)</script>";
		String question = "\" OR 1=1; DELETE FROM messages; -- <img src=x onerror=alert(1)> {{7*7}} ${7*7}";
		HttpResponse<String> created = postJson("/api/conversations", token,
				json.writeValueAsString(Map.of("title", title)));
		String conversationId = body(created).at("/data/id").asString();

		HttpResponse<String> asked = postJson("/api/conversations/" + conversationId + "/messages", token,
				json.writeValueAsString(Map.of("message", question)));

		assertThat(asked.statusCode()).isEqualTo(202);
		assertThat(body(get("/api/conversations", token)).at("/data/items/0/title").asString()).isEqualTo(title);
		JsonNode messages = body(get("/api/conversations/" + conversationId + "/messages", token)).at("/data/items");
		assertThat(messages.at("/0/content").asString()).isEqualTo(question);
		// Every other row is still there, and exactly the ones this test wrote.
		assertThat(count("conversations")).isEqualTo(conversationsBefore + 1);
		assertThat(count("messages")).isEqualTo(messagesBefore + 1);
		assertThat(this.jdbc.queryForObject("SELECT content FROM messages WHERE conversation_id = ?::uuid",
				String.class, conversationId))
			.isEqualTo(question);
		// JSON, never HTML: the markup is text for the client to escape.
		assertThat(asked.headers().firstValue("Content-Type").get()).startsWith("application/json");
	}

	@Test
	void badQuestionsAre400AndWriteNothing() throws Exception {
		String token = token();
		String conversationId = conversation(token);
		String path = "/api/conversations/" + conversationId + "/messages";

		assertBad(postJson(path, token, json.writeValueAsString(Map.of("message", "x".repeat(4001)))),
				"VALIDATION_FAILED", "message");
		assertBad(postJson(path, token, "{\"message\":\"   \"}"), "VALIDATION_FAILED", "message");
		assertBad(postJson(path, token, "{\"message\":\"nul \\u0000 byte\"}"), "VALIDATION_FAILED", "message");
		assertBad(postJson(path, token, "{\"message\":42}"), "VALIDATION_FAILED", "message");
		assertBad(postJson(path, token, "{\"message\":\"hi\",\"role\":\"ADMIN\"}"), "UNKNOWN_FIELD", "role");
		assertBad(postJson(path, token, "{\"message\": "), "MALFORMED_JSON", "");
		assertBad(postJson(path, token, ""), "MALFORMED_JSON", "");
		assertBad(postJson("/api/conversations/not-a-uuid/messages", token, "{\"message\":\"hi\"}"),
				"VALIDATION_FAILED", "");
		assertBad(send(request(path).header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + token)
			.header("Idempotency-Key", "bad key with spaces")
			.POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"message\":\"hi\"}"))
			.build()), "VALIDATION_FAILED", "");
		assertThat(messageCount(conversationId)).isZero();
	}

	@Test
	void questionOfExactlyTheLimitIsAccepted() throws Exception {
		String token = token();
		String conversationId = conversation(token);

		assertThat(ask(token, conversationId, "y".repeat(4000)).statusCode()).isEqualTo(202);
	}

	@Test
	void badTitlesAre400() throws Exception {
		String token = token();

		assertBad(postJson("/api/conversations", token, json.writeValueAsString(Map.of("title", "t".repeat(201)))),
				"VALIDATION_FAILED", "title");
		assertBad(postJson("/api/conversations", token, "{\"title\":\"a\\u0007b\"}"), "VALIDATION_FAILED", "title");
		assertBad(postJson("/api/conversations", token, "{\"title\":[]}"), "VALIDATION_FAILED", "title");
		assertBad(get("/api/conversations?size=1000", token), "VALIDATION_FAILED", "");
		assertBad(get("/api/conversations?page=-1", token), "VALIDATION_FAILED", "");
	}

	@Test
	void theDailyQuestionQuotaOfTheTierIsEnforced() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String conversationId = conversation(token);
		for (int i = 1; i <= 20; i++) {
			assertThat(ask(token, conversationId, "question " + i).statusCode()).as("question %d", i).isEqualTo(202);
		}

		HttpResponse<String> refused = ask(token, conversationId, "question 21");

		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(body(refused).at("/resultCode").asString()).isEqualTo("RATE_LIMITED");
		assertThat(body(refused).at("/message").asString()).contains("daily question limit of 20");
		long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).isBetween(1L, 24 * 3600L);
		assertThat(messageCount(conversationId)).isEqualTo(20);
		assertThat(this.jdbc.queryForObject("SELECT questions_asked FROM users WHERE id = ?::uuid", Long.class,
				user.at("/user/id").asString()))
			.isEqualTo(20);
	}

	@Test
	void aResentQuestionWithTheSameIdempotencyKeyIsAskedOnce() throws Exception {
		String token = token();
		String conversationId = conversation(token);
		String key = "retry-" + UUID.randomUUID();

		HttpResponse<String> first = askWithKey(token, conversationId, key);
		HttpResponse<String> second = askWithKey(token, conversationId, key);

		assertThat(first.statusCode()).isEqualTo(202);
		assertThat(second.statusCode()).isEqualTo(202);
		assertThat(body(second).get("data")).isEqualTo(body(first).get("data"));
		assertThat(messageCount(conversationId)).isEqualTo(1);
		String jobId = body(first).at("/data/jobId").asString();
		assertThat(this.redis.opsForList().range("protostar:jobs:wait:chat", 0, -1)).containsOnlyOnce(jobId);
	}

	@Test
	void anonymousCallsAre401() throws Exception {
		HttpResponse<String> response = postJson("/api/conversations/" + UUID.randomUUID() + "/messages",
				"{\"message\":\"hi\"}");

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("UNAUTHENTICATED");
		assertThat(get("/api/conversations").statusCode()).isEqualTo(401);
	}

	private HttpResponse<String> askWithKey(String token, String conversationId, String key) throws Exception {
		return send(request("/api/conversations/" + conversationId + "/messages")
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + token)
			.header("Idempotency-Key", key)
			.POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"message\":\"once, please\"}"))
			.build());
	}

	private static void assertBad(HttpResponse<String> response, String resultCode, String messagePart) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo(resultCode);
		assertThat(body(response).at("/message").asString()).contains(messagePart);
	}

	private long count(String table) {
		return this.jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class);
	}

	private long messageCount(String conversationId) {
		return this.jdbc.queryForObject("SELECT count(*) FROM messages WHERE conversation_id = ?::uuid", Long.class,
				conversationId);
	}

	private String token() throws Exception {
		return signup().get("accessToken").asString();
	}

	private String conversation(String token) throws Exception {
		return body(postJson("/api/conversations", token, "{\"title\":\"test\"}")).at("/data/id").asString();
	}

	private HttpResponse<String> ask(String token, String conversationId, String message) throws Exception {
		return postJson("/api/conversations/" + conversationId + "/messages", token,
				json.writeValueAsString(Map.of("message", message)));
	}

}
