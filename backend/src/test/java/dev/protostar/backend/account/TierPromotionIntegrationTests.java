package dev.protostar.backend.account;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.ClockedIntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automatic promotion from GUEST to STARGAZER, end to end: questions counted by
 * the chat feature (QuestionActivity), the account's age by the application's
 * clock, the new tier in the answer and in the access token of the next login
 * or refresh. Here a promotion takes {@value #QUESTIONS} questions and seven
 * days (see {@link ClockedIntegrationTestSupport}).
 */
class TierPromotionIntegrationTests extends ClockedIntegrationTestSupport {

	private static final int QUESTIONS = PROMOTION_QUESTIONS;

	private static final Duration MIN_AGE = Duration.ofDays(7);

	@Autowired
	private JdbcTemplate jdbc;

	private final Instant signedUp = Instant.parse("2026-03-02T09:00:00Z");

	@BeforeEach
	void signUpAt() {
		this.clock.set(this.signedUp);
	}

	@Test
	void enoughQuestionsAndAgeMakeAGuestAStargazerAtTheNextRefreshNotBefore() throws Exception {
		JsonNode user = signup();
		String email = user.at("/user/email").asString();
		askQuestions(user.get("accessToken").asString(), QUESTIONS);
		assertThat(tier(user)).as("enough questions, account too young").isEqualTo("GUEST");

		// One second short of the age: still a guest. (A login, not a refresh: the
		// sign-up's session ended days ago, its refresh token lasts hours here.)
		this.clock.set(this.signedUp.plus(MIN_AGE).minusSeconds(1));
		JsonNode early = login(email, PASSWORD);
		assertThat(early.at("/user/tier").asString()).isEqualTo("GUEST");
		assertThat(tierClaim(early)).isEqualTo("GUEST");
		assertThat(tier(user)).isEqualTo("GUEST");

		this.clock.set(this.signedUp.plus(MIN_AGE));
		JsonNode due = refresh(early.get("refreshToken").asString());

		assertThat(due.at("/user/tier").asString()).isEqualTo("STARGAZER");
		assertThat(tierClaim(due)).isEqualTo("STARGAZER");
		assertThat(body(get("/api/me", due.get("accessToken").asString())).at("/data/limits/documentAccess")
			.asString()).isEqualTo("INTERNAL");
		assertThat(this.jdbc.queryForMap("SELECT tier, tier_locked FROM users WHERE email = ?", email))
			.containsEntry("tier", "STARGAZER")
			.as("promoted automatically, so not locked")
			.containsEntry("tier_locked", false);
		// And a login from elsewhere gets the new tier too.
		assertThat(tierClaim(login(email, PASSWORD))).isEqualTo("STARGAZER");
	}

	@Test
	void oneQuestionShortStaysAGuestTheQuestionThatCompletesItPromotes() throws Exception {
		JsonNode user = signup();
		String email = user.at("/user/email").asString();
		askQuestions(user.get("accessToken").asString(), QUESTIONS - 1);

		this.clock.set(this.signedUp.plus(MIN_AGE).plus(Duration.ofDays(1)));
		JsonNode oldEnough = login(email, PASSWORD);
		assertThat(oldEnough.at("/user/tier").asString()).as("old enough, one question short").isEqualTo("GUEST");
		assertThat(tierClaim(oldEnough)).isEqualTo("GUEST");

		// The question that reaches the count promotes at once (QuestionActivity)...
		askQuestions(oldEnough.get("accessToken").asString(), 1);
		assertThat(tier(user)).isEqualTo("STARGAZER");
		// ...and the next refresh carries it into the token.
		JsonNode refreshed = refresh(oldEnough.get("refreshToken").asString());
		assertThat(refreshed.at("/user/tier").asString()).isEqualTo("STARGAZER");
		assertThat(tierClaim(refreshed)).isEqualTo("STARGAZER");
	}

	private void askQuestions(String accessToken, int count) throws Exception {
		String conversationId = body(postJson("/api/conversations", accessToken, "{}")).at("/data/id").asString();
		for (int i = 1; i <= count; i++) {
			HttpResponse<String> asked = postJson("/api/conversations/" + conversationId + "/messages", accessToken,
					"{\"message\":\"question " + i + "\"}");
			assertThat(asked.statusCode()).as("question %d: %s", i, asked.body()).isEqualTo(202);
		}
	}

	private JsonNode refresh(String refreshToken) throws Exception {
		HttpResponse<String> response = postJson("/api/auth/refresh", "{\"refreshToken\":\"" + refreshToken + "\"}");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return body(response).get("data");
	}

	private String tier(JsonNode user) {
		return this.jdbc.queryForObject("SELECT tier FROM users WHERE id = ?::uuid", String.class,
				user.at("/user/id").asString());
	}

	/** The tier the access token carries, which is what the API authorises by. */
	private static String tierClaim(JsonNode tokens) throws Exception {
		return SignedJWT.parse(tokens.get("accessToken").asString()).getJWTClaimsSet().getStringClaim("tier");
	}

}
