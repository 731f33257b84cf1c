package dev.protostar.backend.chat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.backend.ClockedIntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daily question quota is a window per UTC day: its counter is keyed by the
 * date and expires at midnight. At the limit ({@value #LIMIT} for GUEST here) a
 * question is refused until the next day, which the test clock brings in a
 * minute.
 */
class DailyQuotaRolloverIntegrationTests extends ClockedIntegrationTestSupport {

	private static final int LIMIT = QUESTIONS_PER_DAY;

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void atTheLimitAQuestionIsRefusedUntilMidnightUtcThenAcceptedAgain() throws Exception {
		Instant lateEvening = Instant.parse("2026-05-11T23:59:00Z");
		this.clock.set(lateEvening);
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		String conversationId = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		for (int i = 1; i <= LIMIT; i++) {
			assertThat(ask(token, conversationId, "question " + i).statusCode()).as("question %d", i).isEqualTo(202);
		}

		HttpResponse<String> refused = ask(token, conversationId, "one too many");

		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(body(refused).at("/resultCode").asString()).isEqualTo("RATE_LIMITED");
		assertThat(body(refused).at("/message").asString()).contains("daily question limit of " + LIMIT);
		// The window ends at midnight UTC, a minute away by the application's clock.
		assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
		String todaysKey = "protostar:ratelimit:questions:" + user.at("/user/id").asString() + ":2026-05-11";
		assertThat(this.redis.getExpire(todaysKey, TimeUnit.MILLISECONDS)).as("the counter expires at midnight")
			.isBetween(1L, Duration.ofMinutes(1).toMillis());

		this.clock.set(Instant.parse("2026-05-12T00:00:00Z"));
		HttpResponse<String> nextDay = ask(token, conversationId, "a new day");

		assertThat(nextDay.statusCode()).as(nextDay.body()).isEqualTo(202);
		assertThat(body(get("/api/conversations/" + conversationId + "/messages", token)).at("/data/items").size())
			.isEqualTo(LIMIT + 1);
		// The new day has its whole quota: the old day's count did not carry over.
		for (int i = 2; i <= LIMIT; i++) {
			assertThat(ask(token, conversationId, "again " + i).statusCode()).as("next day, question %d", i)
				.isEqualTo(202);
		}
		assertThat(ask(token, conversationId, "one too many again").statusCode()).isEqualTo(429);
	}

	private HttpResponse<String> ask(String token, String conversationId, String message) throws Exception {
		return postJson("/api/conversations/" + conversationId + "/messages", token,
				"{\"message\":\"" + message + "\"}");
	}

}
