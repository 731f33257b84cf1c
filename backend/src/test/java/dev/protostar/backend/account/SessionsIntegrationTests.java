package dev.protostar.backend.account;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user's sessions (one per login, a refresh-token family each): listed,
 * revoked one by one, all at once, by an admin, and by a password change.
 * Every revocation also ends the access tokens issued before it at once
 * ({@code TOKEN_REVOKED}); the sessions that survive it go on after a refresh.
 */
class SessionsIntegrationTests extends IntegrationTestSupport {

	private static final String NEW_PASSWORD = "a brand new passphrase";

	@Test
	void aPasswordChangeEndsEveryOtherSessionAndKeepsTheCallerSignedIn() throws Exception {
		String email = uniqueEmail();
		JsonNode phone = signup(email, "Two devices");
		JsonNode laptop = login(email, PASSWORD);

		HttpResponse<String> changed = changePassword(laptop.get("accessToken").asString(), PASSWORD, NEW_PASSWORD);

		assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
		JsonNode fresh = body(changed).get("data");
		// The other session: its refresh token and its access token are dead.
		assertCode(refresh(phone.get("refreshToken").asString()), 401, "INVALID_REFRESH_TOKEN");
		assertCode(get("/api/me", phone.get("accessToken").asString()), 401, "TOKEN_REVOKED");
		// The caller's tokens from before the change too; the ones it got back work.
		assertCode(get("/api/me", laptop.get("accessToken").asString()), 401, "TOKEN_REVOKED");
		assertThat(get("/api/me", fresh.get("accessToken").asString()).statusCode()).isEqualTo(200);
		assertThat(refresh(fresh.get("refreshToken").asString()).statusCode()).isEqualTo(200);
		// And only the new password opens the account.
		assertCode(postJson("/api/auth/login", credentials(email, PASSWORD)), 401, "INVALID_CREDENTIALS");
		assertThat(postJson("/api/auth/login", credentials(email, NEW_PASSWORD)).statusCode()).isEqualTo(200);
	}

	@Test
	void aWrongCurrentPasswordChangesNothing() throws Exception {
		String email = uniqueEmail();
		JsonNode user = signup(email, "Careful");
		String token = user.get("accessToken").asString();

		assertCode(changePassword(token, "not the password", NEW_PASSWORD), 403, "WRONG_PASSWORD");

		assertThat(get("/api/me", token).statusCode()).isEqualTo(200);
		assertThat(refresh(user.get("refreshToken").asString()).statusCode()).isEqualTo(200);
		assertThat(postJson("/api/auth/login", credentials(email, PASSWORD)).statusCode()).isEqualTo(200);
	}

	@Test
	void theNewPasswordIsCheckedLikeAtSignup() throws Exception {
		String token = signup().get("accessToken").asString();

		assertCode(changePassword(token, PASSWORD, "too short"), 400, "VALIDATION_FAILED");
		assertCode(changePassword(token, PASSWORD, PASSWORD), 400, "VALIDATION_FAILED");
		assertCode(changePassword(null, PASSWORD, NEW_PASSWORD), 401, "UNAUTHENTICATED");
	}

	@Test
	void logoutAllEndsEverySessionIncludingTheCallers() throws Exception {
		String email = uniqueEmail();
		JsonNode phone = signup(email, "Everywhere");
		JsonNode laptop = login(email, PASSWORD);

		HttpResponse<String> response = send(request("/api/auth/logout-all")
			.header("Authorization", "Bearer " + laptop.get("accessToken").asString())
			.POST(BodyPublishers.noBody())
			.build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		for (JsonNode session : new JsonNode[] { phone, laptop }) {
			assertCode(refresh(session.get("refreshToken").asString()), 401, "INVALID_REFRESH_TOKEN");
			assertCode(get("/api/me", session.get("accessToken").asString()), 401, "TOKEN_REVOKED");
		}
		// A new login is a new session.
		assertThat(get("/api/me", login(email, PASSWORD).get("accessToken").asString()).statusCode()).isEqualTo(200);
	}

	@Test
	void sessionsAreListedWithTheirDevicesAndRevokingOneEndsIt() throws Exception {
		String email = uniqueEmail();
		signup(email, "Sessions");
		Instant before = Instant.now().minusSeconds(5);
		JsonNode phone = loginFrom(email, "Protostar-Phone/1.0 (Android 15)");
		JsonNode laptop = loginFrom(email, "Mozilla/5.0 (X11; Linux x86_64) " + "x".repeat(400));
		String laptopToken = laptop.get("accessToken").asString();

		JsonNode sessions = body(get("/api/me/sessions", laptopToken)).get("data");

		// The signup's session and the two logins.
		assertThat(sessions.size()).isEqualTo(3);
		JsonNode phoneSession = sessionWithDevice(sessions, "Protostar-Phone/1.0 (Android 15)");
		JsonNode laptopSession = sessionWithDevice(sessions, "Mozilla/5.0 (X11; Linux x86_64) xxx");
		assertThat(phoneSession.get("current").asBoolean()).isFalse();
		assertThat(laptopSession.get("current").asBoolean()).isTrue();
		assertThat(laptopSession.get("device").asString()).as("trimmed").hasSizeLessThanOrEqualTo(200);
		assertThat(phoneSession.get("address").asString()).isEqualTo(this.clientIp);
		assertThat(Instant.parse(phoneSession.get("createdAt").asString())).isAfter(before);
		assertThat(Instant.parse(phoneSession.get("lastUsedAt").asString())).isAfter(before);
		assertThat(Instant.parse(phoneSession.get("expiresAt").asString())).isAfter(Instant.now().plusSeconds(86_400));

		HttpResponse<String> revoked = send(request("/api/me/sessions/" + phoneSession.get("id").asString())
			.header("Authorization", "Bearer " + laptopToken)
			.DELETE()
			.build());

		assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
		assertCode(refresh(phone.get("refreshToken").asString()), 401, "INVALID_REFRESH_TOKEN");
		assertCode(get("/api/me", phone.get("accessToken").asString()), 401, "TOKEN_REVOKED");
		// The laptop goes on after a refresh, and its list is one shorter.
		HttpResponse<String> refreshed = refresh(laptop.get("refreshToken").asString());
		assertThat(refreshed.statusCode()).isEqualTo(200);
		JsonNode after = body(get("/api/me/sessions", body(refreshed).at("/data/accessToken").asString())).get("data");
		assertThat(after.size()).isEqualTo(2);
		assertThat(after.findValuesAsString("id")).doesNotContain(phoneSession.get("id").asString());
	}

	@Test
	void anotherUsersSessionCannotBeRevoked() throws Exception {
		JsonNode victim = signup();
		String victimSession = body(get("/api/me/sessions", victim.get("accessToken").asString())).at("/data/0/id")
			.asString();
		assertThat(victimSession).matches("[0-9a-f-]{36}");
		String attacker = signup().get("accessToken").asString();

		HttpResponse<String> response = send(request("/api/me/sessions/" + victimSession)
			.header("Authorization", "Bearer " + attacker)
			.DELETE()
			.build());

		assertCode(response, 404, "NOT_FOUND");
		assertThat(refresh(victim.get("refreshToken").asString()).statusCode()).isEqualTo(200);
	}

	@Test
	void anAdminRevokesEverySessionOfAUser() throws Exception {
		JsonNode user = signup();
		String path = "/api/admin/users/" + user.at("/user/id").asString() + "/sessions";
		String userToken = user.get("accessToken").asString();
		assertCode(send(request(path).header("Authorization", "Bearer " + userToken).DELETE().build()), 403,
				"FORBIDDEN");

		HttpResponse<String> response = send(
				request(path).header("Authorization", "Bearer " + adminAccessToken()).DELETE().build());

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertCode(refresh(user.get("refreshToken").asString()), 401, "INVALID_REFRESH_TOKEN");
		assertCode(get("/api/me", userToken), 401, "TOKEN_REVOKED");
	}

	@Test
	void reusingARotatedRefreshTokenStillRevokesItsSession() throws Exception {
		JsonNode user = signup();
		String stolen = user.get("refreshToken").asString();
		String legitimate = body(refresh(stolen)).at("/data/refreshToken").asString();

		assertCode(refresh(stolen), 401, "REFRESH_TOKEN_REUSED");

		assertCode(refresh(legitimate), 401, "INVALID_REFRESH_TOKEN");
		HttpResponse<String> sessions = get("/api/me/sessions", user.get("accessToken").asString());
		assertThat(sessions.statusCode()).isEqualTo(200);
		assertThat(body(sessions).get("data").isArray()).isTrue();
		assertThat(body(sessions).get("data").size()).isZero();
	}

	private JsonNode loginFrom(String email, String userAgent) throws Exception {
		HttpResponse<String> response = send(request("/api/auth/login").header("Content-Type", "application/json")
			.header("User-Agent", userAgent)
			.POST(BodyPublishers.ofString(credentials(email, PASSWORD)))
			.build());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return body(response).get("data");
	}

	private static JsonNode sessionWithDevice(JsonNode sessions, String devicePrefix) {
		for (JsonNode session : sessions) {
			if (session.get("device").asString().startsWith(devicePrefix)) {
				return session;
			}
		}
		throw new AssertionError("no session of device " + devicePrefix + " in " + sessions);
	}

	private HttpResponse<String> changePassword(String token, String current, String next) throws Exception {
		String body = json.writeValueAsString(
				json.createObjectNode().put("currentPassword", current).put("newPassword", next));
		if (token == null) {
			return postJson("/api/me/password", body);
		}
		return postJson("/api/me/password", token, body);
	}

	private HttpResponse<String> refresh(String refreshToken) throws Exception {
		return postJson("/api/auth/refresh", "{\"refreshToken\":\"" + refreshToken + "\"}");
	}

	private static String credentials(String email, String password) {
		return json.writeValueAsString(json.createObjectNode().put("email", email).put("password", password));
	}

	private static void assertCode(HttpResponse<String> response, int status, String resultCode) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo(resultCode);
	}

}
