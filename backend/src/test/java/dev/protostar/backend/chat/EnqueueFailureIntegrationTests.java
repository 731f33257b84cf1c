package dev.protostar.backend.chat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.queue.JobQueueClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.reset;

/**
 * A question whose job cannot be enqueued is not stored either: 503, no
 * message row, no question counted. The queue is made to fail as a Redis
 * outage would, through the real client (a spy) so everything else is real.
 */
class EnqueueFailureIntegrationTests extends IntegrationTestSupport {

	@MockitoSpyBean
	private JobQueueClient queue;

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void aFailedEnqueueRollsTheQuestionBackAndAnswers503() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String conversationId = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		willThrow(new RedisConnectionFailureException("Redis is down (simulated)")).given(this.queue)
			.enqueue(anyString(), anyString(), any());

		HttpResponse<String> response;
		try {
			response = postJson("/api/conversations/" + conversationId + "/messages", token,
					"{\"message\":\"Is this stored?\"}");
		}
		finally {
			reset(this.queue);
		}

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

}
