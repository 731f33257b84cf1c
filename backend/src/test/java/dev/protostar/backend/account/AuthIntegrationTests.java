package dev.protostar.backend.account;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/** Signup, login, refresh rotation and logout through HTTP, against PostgreSQL and Redis. */
class AuthIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void signupAnswers201WithTokensAndGuestTier() throws Exception {
		String email = uniqueEmail();
		HttpResponse<String> response = postJson("/api/auth/signup", """
				{"email":"%s","password":"%s","displayName":"Vega"}""".formatted(email, PASSWORD));

		assertThat(response.statusCode()).isEqualTo(201);
		JsonNode body = body(response);
		assertThat(body.at("/resultCode").asString()).isEqualTo("OK");
		assertThat(body.at("/message").isNull()).isTrue();
		assertThat(body.at("/data/user/email").asString()).isEqualTo(email);
		assertThat(body.at("/data/user/displayName").asString()).isEqualTo("Vega");
		assertThat(body.at("/data/user/tier").asString()).isEqualTo("GUEST");
		assertThat(body.at("/data/tokenType").asString()).isEqualTo("Bearer");
		assertThat(body.at("/data/expiresIn").asLong()).isEqualTo(900);
		assertThat(body.at("/data/refreshExpiresIn").asLong()).isEqualTo(14 * 24 * 3600);
		assertThat(body.at("/data/refreshToken").asString()).matches("[A-Za-z0-9_-]{43}");
		assertThat(body.at("/data").has("password")).isFalse();
	}

	@Test
	void passwordIsStoredAsArgon2Hash() throws Exception {
		String email = uniqueEmail();
		signup(email, "Deneb");

		String hash = this.jdbc.queryForObject("SELECT password_hash FROM users WHERE email = ?", String.class, email);

		assertThat(hash).startsWith("{argon2@SpringSecurity_v5_8}$argon2id$").doesNotContain(PASSWORD);
	}

	@Test
	void signupNormalisesEmailToLowerCase() throws Exception {
		String email = uniqueEmail();
		JsonNode data = signup("  " + email.toUpperCase() + " ", "Altair");

		assertThat(data.at("/user/email").asString()).isEqualTo(email);
		assertThat(login(email, PASSWORD).at("/user/id").asString()).isEqualTo(data.at("/user/id").asString());
	}

	@Test
	void duplicateEmailIsRefusedWith409EvenInOtherCase() throws Exception {
		String email = uniqueEmail();
		signup(email, "First");

		HttpResponse<String> response = postJson("/api/auth/signup", """
				{"email":"%s","password":"%s","displayName":"Second"}""".formatted(email.toUpperCase(), PASSWORD));

		assertThat(response.statusCode()).isEqualTo(409);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("EMAIL_TAKEN");
		assertThat(body(response).at("/data").isNull()).isTrue();
	}

	@Test
	void loginReturnsTokensThatOpenMe() throws Exception {
		String email = uniqueEmail();
		signup(email, "Rigel");

		JsonNode data = login(email, PASSWORD);
		HttpResponse<String> me = get("/api/me", data.get("accessToken").asString());

		assertThat(me.statusCode()).isEqualTo(200);
		JsonNode body = body(me);
		assertThat(body.at("/resultCode").asString()).isEqualTo("OK");
		assertThat(body.at("/data/email").asString()).isEqualTo(email);
		assertThat(body.at("/data/displayName").asString()).isEqualTo("Rigel");
		assertThat(body.at("/data/tier").asString()).isEqualTo("GUEST");
		assertThat(body.at("/data/limits/requestsPerMinute").asInt()).isEqualTo(30);
		assertThat(body.at("/data/limits/questionsPerDay").asInt()).isEqualTo(20);
		assertThat(body.at("/data/limits/documentAccess").asString()).isEqualTo("PUBLIC");
		assertThat(body.at("/data/id").asString()).isEqualTo(data.at("/user/id").asString());
	}

	@Test
	void wrongPasswordIs401InvalidCredentials() throws Exception {
		String email = uniqueEmail();
		signup(email, "Mira");

		HttpResponse<String> response = postJson("/api/auth/login", """
				{"email":"%s","password":"not the password"}""".formatted(email));

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("INVALID_CREDENTIALS");
	}

	@Test
	void unknownEmailGetsTheSameAnswerAsWrongPassword() throws Exception {
		String email = uniqueEmail();
		signup(email, "Mira");
		HttpResponse<String> wrongPassword = postJson("/api/auth/login", """
				{"email":"%s","password":"not the password"}""".formatted(email));

		HttpResponse<String> unknownEmail = postJson("/api/auth/login", """
				{"email":"%s","password":"not the password"}""".formatted(uniqueEmail()));

		assertThat(unknownEmail.statusCode()).isEqualTo(401);
		assertThat(unknownEmail.body()).isEqualTo(wrongPassword.body());
	}

	@Test
	void refreshRotatesTheToken() throws Exception {
		JsonNode first = signup();
		String refreshToken = first.get("refreshToken").asString();

		HttpResponse<String> response = refresh(refreshToken);

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode data = body(response).get("data");
		assertThat(data.get("refreshToken").asString()).isNotEqualTo(refreshToken);
		assertThat(data.at("/user/id").asString()).isEqualTo(first.at("/user/id").asString());
		assertThat(get("/api/me", data.get("accessToken").asString()).statusCode()).isEqualTo(200);
		// And the new one rotates again.
		assertThat(refresh(data.get("refreshToken").asString()).statusCode()).isEqualTo(200);
	}

	@Test
	void reusingARotatedTokenRevokesTheWholeFamily() throws Exception {
		String stolen = signup().get("refreshToken").asString();
		String legitimate = body(refresh(stolen)).at("/data/refreshToken").asString();

		HttpResponse<String> reuse = refresh(stolen);

		assertThat(reuse.statusCode()).isEqualTo(401);
		assertThat(body(reuse).at("/resultCode").asString()).isEqualTo("REFRESH_TOKEN_REUSED");
		// The token the rightful client holds is dead too: both must log in again.
		HttpResponse<String> afterwards = refresh(legitimate);
		assertThat(afterwards.statusCode()).isEqualTo(401);
		assertThat(body(afterwards).at("/resultCode").asString()).isEqualTo("INVALID_REFRESH_TOKEN");
	}

	@Test
	void otherLoginsSurviveTheRevocationOfOneFamily() throws Exception {
		String email = uniqueEmail();
		String phone = signup(email, "Two devices").get("refreshToken").asString();
		String laptop = login(email, PASSWORD).get("refreshToken").asString();

		assertThat(refresh(phone).statusCode()).isEqualTo(200);
		HttpResponse<String> reuse = refresh(phone);

		assertThat(reuse.statusCode()).as("the phone's family is revoked").isEqualTo(401);
		assertThat(body(reuse).at("/resultCode").asString()).isEqualTo("REFRESH_TOKEN_REUSED");
		assertThat(refresh(laptop).statusCode()).isEqualTo(200);
	}

	@Test
	void unknownRefreshTokenIs401() throws Exception {
		HttpResponse<String> response = refresh("bm90LWEtcmVhbC10b2tlbi1ub3QtYS1yZWFsLXRva2Vu");

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("INVALID_REFRESH_TOKEN");
	}

	@Test
	void logoutRevokesTheRefreshToken() throws Exception {
		String refreshToken = signup().get("refreshToken").asString();

		HttpResponse<String> logout = postJson("/api/auth/logout", """
				{"refreshToken":"%s"}""".formatted(refreshToken));

		assertThat(logout.statusCode()).isEqualTo(200);
		assertThat(body(logout).at("/resultCode").asString()).isEqualTo("OK");
		HttpResponse<String> response = refresh(refreshToken);
		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("INVALID_REFRESH_TOKEN");
	}

	@Test
	void logoutRevokesTokensAlreadyRotatedFromTheSameLogin() throws Exception {
		String first = signup().get("refreshToken").asString();
		String second = body(refresh(first)).at("/data/refreshToken").asString();

		postJson("/api/auth/logout", """
				{"refreshToken":"%s"}""".formatted(first));

		assertThat(body(refresh(second)).at("/resultCode").asString()).isEqualTo("INVALID_REFRESH_TOKEN");
	}

	@Test
	void refreshWorksWhenTheClientSendsItsExpiredAccessTokenAlong() throws Exception {
		String refreshToken = signup().get("refreshToken").asString();

		HttpResponse<String> response = send(request("/api/auth/refresh").header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + TestTokens.expired())
			.POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
					{"refreshToken":"%s"}""".formatted(refreshToken)))
			.build());

		assertThat(response.statusCode()).isEqualTo(200);
	}

	@Test
	void sqlInjectionInDisplayNameIsStoredAndReturnedAsSent() throws Exception {
		String name = "Robert'); DROP TABLE users;--";
		String email = uniqueEmail();
		long usersBefore = this.jdbc.queryForObject("SELECT count(*) FROM users", Long.class);

		JsonNode data = signup(email, name);

		assertThat(data.at("/user/displayName").asString()).isEqualTo(name);
		assertThat(body(get("/api/me", data.get("accessToken").asString())).at("/data/displayName").asString())
			.isEqualTo(name);
		assertThat(this.jdbc.queryForObject("SELECT display_name FROM users WHERE email = ?", String.class, email))
			.isEqualTo(name);
		// Every other row is still there, and one more.
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM users", Long.class)).isEqualTo(usersBefore + 1);
	}

	@Test
	void htmlInDisplayNameIsReturnedAsJsonTextNotMarkup() throws Exception {
		String name = "<script>alert(\"x\")</script>";

		JsonNode data = signup(uniqueEmail(), name);
		HttpResponse<String> me = get("/api/me", data.get("accessToken").asString());

		assertThat(body(me).at("/data/displayName").asString()).isEqualTo(name);
		assertThat(me.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		// Inside a JSON string, with its quotes escaped; never served as HTML.
		assertThat(me.body()).contains("\"displayName\":\"<script>alert(\\\"x\\\")</script>\"");
	}

	private HttpResponse<String> refresh(String refreshToken) throws Exception {
		return postJson("/api/auth/refresh", """
				{"refreshToken":"%s"}""".formatted(refreshToken));
	}

}
