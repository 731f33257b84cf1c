package dev.protostar.backend.account;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the default settings a self-signed-up GUEST is never promoted by
 * itself, however old and active: reading INTERNAL documents takes an admin
 * ({@code PROTOSTAR_TIER_AUTO_PROMOTION} switches the promotion on, see
 * TierPromotionIntegrationTests).
 */
class PromotionOffByDefaultIntegrationTests extends IntegrationTestSupport {

	/** The default rule's thresholds, were it on: seven days and ten questions. */
	private static final int QUESTIONS = 10;

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void anOldActiveGuestStaysAGuest() throws Exception {
		JsonNode user = signup();
		String email = user.at("/user/email").asString();
		this.jdbc.update("UPDATE users SET created_at = now() - interval '30 days' WHERE email = ?", email);

		String accessToken = user.get("accessToken").asString();
		String conversationId = body(postJson("/api/conversations", accessToken, "{}")).at("/data/id").asString();
		for (int i = 1; i <= QUESTIONS + 1; i++) {
			HttpResponse<String> asked = postJson("/api/conversations/" + conversationId + "/messages", accessToken,
					"{\"message\":\"question " + i + "\"}");
			assertThat(asked.statusCode()).as("question %d: %s", i, asked.body()).isEqualTo(202);
		}
		JsonNode again = login(email, PASSWORD);

		assertThat(again.at("/user/tier").asString()).isEqualTo("GUEST");
		assertThat(this.jdbc.queryForObject("SELECT tier FROM users WHERE email = ?", String.class, email))
			.isEqualTo("GUEST");
		assertThat(body(get("/api/me", again.get("accessToken").asString())).at("/data/limits/documentAccess")
			.asString()).isEqualTo("PUBLIC");
	}

}
