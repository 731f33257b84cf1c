package dev.protostar.backend.account;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The daily question quota as GET /api/me shows it, counted where the chat feature counts it. */
class QuotaIntegrationTests extends IntegrationTestSupport {

	@Test
	void meShowsTheTiersDailyQuestionsAndHowManyAreUsed() throws Exception {
		String token = signup().get("accessToken").asString();
		JsonNode fresh = body(get("/api/me", token)).at("/data/quota");
		assertThat(fresh.get("dailyQuestions").asInt()).isEqualTo(20);
		assertThat(fresh.get("usedToday").asLong()).isZero();
		assertThat(fresh.get("resetsAt").asString())
			.isEqualTo(LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toString());

		String conversation = body(postJson("/api/conversations", token, "{}")).at("/data/id").asString();
		for (int i = 0; i < 2; i++) {
			assertThat(postJson("/api/conversations/" + conversation + "/messages", token,
					json.writeValueAsString(Map.of("message", "question " + i)))
				.statusCode()).isEqualTo(202);
		}

		assertThat(body(get("/api/me", token)).at("/data/quota/usedToday").asLong()).isEqualTo(2);
	}

	@Test
	void theQuotaFollowsTheCurrentTier() throws Exception {
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		patchJson("/api/admin/users/" + user.at("/user/id").asString() + "/tier", adminAccessToken(),
				"{\"tier\":\"PROTOSTAR\"}");

		assertThat(body(get("/api/me", token)).at("/data/quota/dailyQuestions").asInt()).isEqualTo(500);
	}

}
