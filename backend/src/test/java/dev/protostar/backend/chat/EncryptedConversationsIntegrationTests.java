package dev.protostar.backend.chat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.OtherInstance;
import dev.protostar.backend.SseClient;
import dev.protostar.backend.SseClient.Event;
import dev.protostar.backend.queue.QueueClientProperties;
import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;
import dev.protostar.contract.queue.JobEvents;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conversation data at rest (issue 17). The "green" instance has data key k2 active;
 * this test's own instance has the same keys and none active, as a colour has between a
 * key's addition and its activation, and writes plaintext. Each test writes a unique marker and looks for it in the tables directly:
 * what green wrote must not hold it, and yet read back, and be found, through the API.
 */
class EncryptedConversationsIntegrationTests extends IntegrationTestSupport {

	private static final String KEYS = DATA_KEYS;

	@RegisterExtension
	static final OtherInstance green = new OtherInstance("green", "protostar.data-encryption.keys=" + KEYS,
			"protostar.data-encryption.active-key=k2");

	/** What the worker would hold: the same keys. */
	private final DataCipher cipher = DataCipher.of(KEYS, "k2");

	private final String marker = "marker" + UUID.randomUUID().toString().replace("-", "");

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private QueueClientProperties queue;

	@Test
	void withAnActiveKeyNothingIsStoredOrQueuedInPlaintextYetAllReadsBackAndIsFound() throws Exception {
		String token = token();
		String conversationId = body(onGreen("POST", "/api/conversations", token,
				json.writeValueAsString(Map.of("title", "Leave " + this.marker)))).at("/data/id").asString();
		HttpResponse<String> asked = onGreen("POST", "/api/conversations/" + conversationId + "/messages", token,
				json.writeValueAsString(Map.of("message", "How many days of leave, " + this.marker + "?")));
		assertThat(asked.statusCode()).isEqualTo(202);
		String jobId = body(asked).at("/data/jobId").asString();
		UUID answer = answer(jobId, conversationId, "Fifteen days a year [1].",
				"{\"citations\":[{\"n\":1,\"quote\":\"15 days of paid leave, " + this.marker + "\"}],"
						+ "\"provider\":\"offline\",\"degraded\":false}");

		assertThat(rowsHoldingTheMarker()).isZero();
		assertThat(this.jdbc.queryForObject("SELECT title FROM conversations WHERE id = ?::uuid", String.class,
				conversationId))
			.startsWith("pse1:k2:");
		assertThat(this.jdbc.queryForList("SELECT content FROM messages WHERE conversation_id = ?::uuid", String.class,
				conversationId))
			.hasSize(2)
			.allSatisfy((content) -> assertThat(content).startsWith("pse1:k2:"));
		String payload = (String) this.redis.opsForHash().get("protostar:jobs:job:" + jobId, "payload");
		assertThat(payload).doesNotContain(this.marker);
		assertThat(this.cipher.decrypt(json.readTree(payload).get("message").asString(),
				EncryptedFields.CHAT_JOB_MESSAGE))
			.isEqualTo("How many days of leave, " + this.marker + "?");

		JsonNode messages = body(onGreen("GET", "/api/conversations/" + conversationId + "/messages", token, null))
			.at("/data/items");
		assertThat(messages.at("/0/content").asString()).isEqualTo("How many days of leave, " + this.marker + "?");
		assertThat(messages.at("/1/content").asString()).isEqualTo("Fifteen days a year [1].");
		assertThat(messages.at("/1/metadata/citations/0/quote").asString())
			.isEqualTo("15 days of paid leave, " + this.marker);
		assertThat(messages.at("/1/metadata/provider").asString()).isEqualTo("offline");
		assertThat(body(onGreen("GET", "/api/conversations", token, null)).at("/data/items/0/title").asString())
			.isEqualTo("Leave " + this.marker);
		assertThat(searchOnGreen(token, this.marker.toUpperCase())).containsExactly(conversationId);
		assertThat(searchOnGreen(token, "FIFTEEN DAYS")).containsExactly(conversationId);
		assertThat(searchOnGreen(token, "sick leave")).isEmpty();

		// The admins' list decrypts the question and the answer it shows.
		assertThat(onGreen("PUT", "/api/messages/" + answer + "/feedback", token, "{\"rating\":\"DOWN\"}").statusCode())
			.isEqualTo(200);
		JsonNode entry = body(onGreen("GET", "/api/admin/feedback?rating=DOWN&size=100", adminAccessToken(), null))
			.at("/data/items")
			.valueStream()
			.filter((item) -> item.get("messageId").asString().equals(answer.toString()))
			.findFirst()
			.orElseThrow();
		assertThat(entry.get("question").asString()).isEqualTo("How many days of leave, " + this.marker + "?");
		assertThat(entry.get("answerExcerpt").asString()).isEqualTo("Fifteen days a year [1].");
	}

	@Test
	void eventsWaitInRedisEncryptedAndReachEitherColourDecrypted() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String userId = user.at("/user/id").asString();
		JobEvents worker = new JobEvents(this.redis, this.queue.keys(), 1000, Duration.ofMinutes(5), this.cipher);
		JobEvents unknownKey = new JobEvents(this.redis, this.queue.keys(), 1000, Duration.ofMinutes(5),
				DataCipher.of("k9:" + randomKey(), "k9"));
		try (SseClient blue = events(token, null);
				SseClient onGreen = SseClient.connect(http, green.baseUrl(), token, null, this.clientIp)) {
			assertThat(blue.next().name()).isEqualTo("ready");
			assertThat(onGreen.next().name()).isEqualTo("ready");
			List<String> ids = List.of(worker.publish(userId, "job-1", "token", Map.of("text", "Fifteen " + this.marker)),
					unknownKey.publish(userId, "job-1", "token", Map.of("text", "never shown")),
					worker.publish(userId, "job-1", "completed", Map.of("attempt", 1)));

			// This instance has no key active, green has k2: both read what the worker wrote.
			for (SseClient client : List.of(blue, onGreen)) {
				List<Event> received = client.next(3);
				assertThat(received).extracting(Event::id).containsExactlyElementsOf(ids);
				assertThat(received).extracting(Event::name).containsExactly("token", "lost", "completed");
				assertThat(json.readTree(received.get(0).data()).get("text").asString())
					.isEqualTo("Fifteen " + this.marker);
				assertThat(json.readTree(received.get(1).data()))
					.isEqualTo(json.readTree("{\"jobId\":\"job-1\",\"reason\":\"unreadable\"}"));
			}
		}
		List<MapRecord<String, Object, Object>> stored = this.redis.opsForStream()
			.range(this.queue.keys().userStream(userId), Range.unbounded());
		assertThat(stored).hasSize(3).allSatisfy((entry) -> assertThat(entry.getValue().get("data").toString())
			.startsWith("{\"encrypted\":\"pse1:k").doesNotContain(this.marker).doesNotContain("never shown"));
	}

	@Test
	void aValueWhoseKeyIsMissingFailsItsRequestWithAnEnvelopeNamingTheKey() throws Exception {
		String token = token();
		String conversationId = body(onGreen("POST", "/api/conversations", token, "{}")).at("/data/id").asString();
		this.jdbc.update("INSERT INTO messages (id, conversation_id, role, content, status) VALUES (?, ?::uuid, 'user', ?,"
				+ " 'answered')", UUID.randomUUID(), conversationId,
				DataCipher.of("k9:" + randomKey(), "k9").encrypt("Secret " + this.marker, EncryptedFields.MESSAGE_CONTENT));

		HttpResponse<String> read = onGreen("GET", "/api/conversations/" + conversationId + "/messages", token, null);

		assertThat(read.statusCode()).isEqualTo(500);
		assertThat(body(read).get("resultCode").asString()).isEqualTo("UNREADABLE_DATA");
		assertThat(body(read).get("message").asString()).contains("data key 'k9'").doesNotContain(this.marker);
	}

	private static String randomKey() {
		byte[] key = new byte[32];
		new SecureRandom().nextBytes(key);
		return Base64.getEncoder().encodeToString(key);
	}

	@Test
	void aRenameIsEncryptedToo() throws Exception {
		String token = token();
		String conversationId = body(onGreen("POST", "/api/conversations", token, "{}")).at("/data/id").asString();

		HttpResponse<String> renamed = onGreen("PATCH", "/api/conversations/" + conversationId, token,
				json.writeValueAsString(Map.of("title", "연차 " + this.marker)));

		assertThat(body(renamed).at("/data/title").asString()).isEqualTo("연차 " + this.marker);
		assertThat(rowsHoldingTheMarker()).isZero();
		assertThat(searchOnGreen(token, "연차")).containsExactly(conversationId);
	}

	@Test
	void rowsWrittenInPlaintextBeforeAreReadAndFoundAsBefore() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		UUID conversationId = UUID.randomUUID();
		this.jdbc.update("INSERT INTO conversations (id, user_id, title) VALUES (?, ?::uuid, ?)", conversationId,
				user.at("/user/id").asString(), "Old " + this.marker);
		this.jdbc.update("INSERT INTO messages (id, conversation_id, role, content, status) "
				+ "VALUES (?, ?, 'user', 'An old question about parental leave', 'answered')", UUID.randomUUID(),
				conversationId);
		this.jdbc.update("INSERT INTO messages (id, conversation_id, role, content, metadata, created_at) VALUES "
				+ "(?, ?, 'assistant', 'An old answer', '{\"citations\": [], \"provider\": \"offline\"}'::jsonb,"
				+ " now() + interval '1 second')", UUID.randomUUID(), conversationId);

		JsonNode messages = body(onGreen("GET", "/api/conversations/" + conversationId + "/messages", token, null))
			.at("/data/items");

		assertThat(messages.at("/0/content").asString()).isEqualTo("An old question about parental leave");
		assertThat(messages.at("/1/content").asString()).isEqualTo("An old answer");
		assertThat(messages.at("/1/metadata/provider").asString()).isEqualTo("offline");
		assertThat(body(onGreen("GET", "/api/conversations", token, null)).at("/data/items/0/title").asString())
			.isEqualTo("Old " + this.marker);
		assertThat(searchOnGreen(token, "PARENTAL")).containsExactly(conversationId.toString());
	}

	@Test
	void withoutAnActiveKeyTheTextIsStoredAsItWas() throws Exception {
		String token = token();
		String conversationId = body(postJson("/api/conversations", token,
				json.writeValueAsString(Map.of("title", "Plain " + this.marker)))).at("/data/id").asString();
		assertThat(postJson("/api/conversations/" + conversationId + "/messages", token,
				json.writeValueAsString(Map.of("message", "Plain question " + this.marker)))
			.statusCode()).isEqualTo(202);

		assertThat(this.jdbc.queryForObject("SELECT title FROM conversations WHERE id = ?::uuid", String.class,
				conversationId))
			.isEqualTo("Plain " + this.marker);
		assertThat(this.jdbc.queryForObject("SELECT content FROM messages WHERE conversation_id = ?::uuid",
				String.class, conversationId))
			.isEqualTo("Plain question " + this.marker);
		// And the instance with the keys reads it, as it reads its own.
		assertThat(searchOnGreen(token, "plain QUESTION")).containsExactly(conversationId);
	}

	/** Rows of either table holding the marker in clear, in any column that is text. */
	private long rowsHoldingTheMarker() {
		String like = "%" + this.marker + "%";
		return this.jdbc.queryForObject("SELECT (SELECT count(*) FROM conversations WHERE title LIKE ?)"
				+ " + (SELECT count(*) FROM messages WHERE content LIKE ? OR metadata::text LIKE ?)", Long.class, like,
				like, like);
	}

	/** The answer as the worker stores it with the same key. */
	private UUID answer(String jobId, String conversationId, String content, String metadata) {
		UUID id = UUID.randomUUID();
		this.jdbc.update("INSERT INTO messages (id, conversation_id, role, content, job_id, status, metadata, created_at) "
				+ "VALUES (?, ?::uuid, 'assistant', ?, ?, 'answered', CAST(? AS jsonb), now() + interval '1 second')", id,
				conversationId, this.cipher.encrypt(content, EncryptedFields.MESSAGE_CONTENT), jobId,
				this.cipher.encryptJson(metadata, EncryptedFields.MESSAGE_METADATA));
		return id;
	}

	private List<String> searchOnGreen(String token, String text) throws Exception {
		JsonNode page = body(onGreen("GET",
				"/api/conversations?q=" + URLEncoder.encode(text, StandardCharsets.UTF_8), token, null));
		return page.at("/data/items").valueStream().map((item) -> item.get("id").asString()).toList();
	}

	private HttpResponse<String> onGreen(String method, String path, String token, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(green.baseUrl() + path))
			.header("X-Real-IP", this.clientIp)
			.header("Authorization", "Bearer " + token);
		if (body != null) {
			request.header("Content-Type", "application/json");
		}
		return send(request.method(method, (body != null) ? BodyPublishers.ofString(body) : BodyPublishers.noBody())
			.build());
	}

	private String token() throws Exception {
		return signup().get("accessToken").asString();
	}

}
