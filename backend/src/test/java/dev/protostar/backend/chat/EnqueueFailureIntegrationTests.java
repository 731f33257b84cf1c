package dev.protostar.backend.chat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.queue.JobQueueClient;
import dev.protostar.contract.queue.ChatJobPayload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.reset;

/**
 * A question whose job cannot be enqueued is not stored either: 503, no
 * message row, no question counted. The queue is made to fail as a Redis
 * outage would, through the real client (a spy) so everything else is real.
 * The question is committed before its job is enqueued, with the
 * {@code accepted} event in between, so that event is always the job's first.
 */
class EnqueueFailureIntegrationTests extends IntegrationTestSupport {

	@MockitoSpyBean
	private JobQueueClient queue;

	@MockitoSpyBean
	private ChatRepository chats;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void aFailedEnqueueRollsTheQuestionBackAndAnswers503() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String conversationId = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		willThrow(new RedisConnectionFailureException("Redis is down (simulated)")).given(this.queue)
			.enqueue(any(ChatJobPayload.class));

		HttpResponse<String> response = askThenUnstub(token, conversationId, "Is this stored?");

		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("SERVICE_UNAVAILABLE");
		assertThat(body(response).at("/message").asString()).doesNotContain("Redis");
		assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM messages WHERE conversation_id = ?::uuid", Long.class,
				conversationId))
			.isZero();
		assertThat(this.jdbc.queryForObject("SELECT questions_asked FROM users WHERE id = ?::uuid", Long.class,
				user.at("/user/id").asString()))
			.isZero();

		// And once the queue is back, the same question goes through.
		assertThat(postJson("/api/conversations/" + conversationId + "/messages", token,
				"{\"message\":\"Is this stored?\"}")
			.statusCode()).isEqualTo(202);
	}

	@Test
	void theAcceptedEventIsPublishedBeforeTheJobIsQueued() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String userId = user.at("/user/id").asString();
		String conversationId = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		List<Long> streamLengthAtEnqueue = new ArrayList<>();
		willAnswer((invocation) -> {
			streamLengthAtEnqueue.add(this.redis.opsForStream().size("protostar:events:user:" + userId));
			return invocation.callRealMethod();
		}).given(this.queue).enqueue(any(ChatJobPayload.class));

		HttpResponse<String> response = askThenUnstub(token, conversationId, "Which event comes first?");

		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(streamLengthAtEnqueue).containsExactly(1L);
		List<MapRecord<String, Object, Object>> events = this.redis.opsForStream()
			.range("protostar:events:user:" + userId, Range.unbounded());
		assertThat(events).hasSize(1);
		assertThat(events.get(0).getValue()).containsEntry("event", "accepted")
			.containsEntry("jobId", body(response).at("/data/jobId").asString());
	}

	@Test
	void aQuestionThatCouldNotBeWithdrawnIsQueuedWhenResentWithItsKey() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String userId = user.at("/user/id").asString();
		String conversationId = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		willThrow(new RedisConnectionFailureException("Redis is down (simulated)")).given(this.queue)
			.enqueue(any(ChatJobPayload.class));
		willThrow(new DataAccessResourceFailureException("PostgreSQL is down (simulated)")).given(this.chats)
			.deleteQuestion(any());

		HttpResponse<String> refused;
		try {
			refused = askWithKey(token, conversationId, "resent-key-1");
		}
		finally {
			reset(this.queue, this.chats);
		}
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(this.jdbc.queryForObject("SELECT status FROM messages WHERE conversation_id = ?::uuid", String.class,
				conversationId))
			.isEqualTo("pending");
		List<MapRecord<String, Object, Object>> events = this.redis.opsForStream()
			.range("protostar:events:user:" + userId, Range.unbounded());
		assertThat(events).extracting((event) -> event.getValue().get("event")).containsExactly("accepted", "failed");

		HttpResponse<String> resent = askWithKey(token, conversationId, "resent-key-1");

		assertThat(resent.statusCode()).isEqualTo(202);
		String jobId = body(resent).at("/data/jobId").asString();
		assertThat(this.redis.opsForList().range("protostar:jobs:wait:chat", 0, -1)).containsOnlyOnce(jobId);
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM messages WHERE conversation_id = ?::uuid", Long.class,
				conversationId))
			.isOne();
	}

	/** Asks, then takes the stubs off the spies whatever happened. */
	private HttpResponse<String> askThenUnstub(String token, String conversationId, String message) throws Exception {
		try {
			return postJson("/api/conversations/" + conversationId + "/messages", token,
					json.writeValueAsString(Map.of("message", message)));
		}
		finally {
			reset(this.queue, this.chats);
		}
	}

	private HttpResponse<String> askWithKey(String token, String conversationId, String key) throws Exception {
		return send(request("/api/conversations/" + conversationId + "/messages")
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + token)
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"Is this stored?\"}"))
			.build());
	}

}
