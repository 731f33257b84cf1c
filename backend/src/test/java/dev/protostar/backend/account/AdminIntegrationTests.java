package dev.protostar.backend.account;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin endpoint, the tier guard and the bootstrap admin. */
class AdminIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private AdminBootstrap bootstrap;

	@Test
	void bootstrapAdminCanLogInAsAdmin() throws Exception {
		JsonNode data = login(ADMIN_EMAIL, ADMIN_PASSWORD);

		assertThat(data.at("/user/tier").asString()).isEqualTo("ADMIN");
		// The role hierarchy: ADMIN reaches endpoints that need GUEST.
		HttpResponse<String> me = get("/api/me", data.get("accessToken").asString());
		assertThat(me.statusCode()).isEqualTo(200);
		assertThat(body(me).at("/data/limits/requestsPerMinute").asInt()).isEqualTo(300);
	}

	@Test
	void bootstrapIsIdempotentAndADemotedBootstrapAdminStaysDemoted() throws Exception {
		this.jdbc.update("UPDATE users SET tier = 'GUEST' WHERE email = ?", ADMIN_EMAIL);
		try {
			this.bootstrap.run(null);
			this.bootstrap.run(null);

			assertThat(this.jdbc.queryForObject("SELECT count(*) FROM users WHERE email = ?", Integer.class,
					ADMIN_EMAIL))
				.isOne();
			assertThat(this.jdbc.queryForObject("SELECT tier FROM users WHERE email = ?", String.class, ADMIN_EMAIL))
				.as("an operator's demotion is not undone at the next start")
				.isEqualTo("GUEST");
		}
		finally {
			// The other tests sign in as this admin.
			this.jdbc.update("UPDATE users SET tier = 'ADMIN' WHERE email = ?", ADMIN_EMAIL);
		}
	}

	@Test
	void guestGets403OnTheAdminEndpoint() throws Exception {
		JsonNode guest = signup();

		HttpResponse<String> response = patchJson("/api/admin/users/" + guest.at("/user/id").asString() + "/tier",
				guest.get("accessToken").asString(), """
						{"tier":"ADMIN"}""");

		assertThat(response.statusCode()).isEqualTo(403);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("FORBIDDEN");
		assertThat(tierOf(guest)).isEqualTo("GUEST");
	}

	@Test
	void protostarTierGets403OnTheAdminEndpointToo() throws Exception {
		JsonNode user = signup();
		String token = dev.protostar.backend.TestTokens.valid(UUID.fromString(user.at("/user/id").asString()),
				"PROTOSTAR");

		HttpResponse<String> response = patchJson("/api/admin/users/" + user.at("/user/id").asString() + "/tier",
				token, """
						{"tier":"ADMIN"}""");

		assertThat(response.statusCode()).isEqualTo(403);
	}

	@Test
	void anonymousGets401EvenWithoutABody() throws Exception {
		// The tier is checked before the body is read: 401, not 400.
		HttpResponse<String> response = send(request("/api/admin/users/" + UUID.randomUUID() + "/tier")
			.header("Content-Type", "application/json")
			.method("PATCH", BodyPublishers.noBody())
			.build());

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("UNAUTHENTICATED");
		assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
	}

	@Test
	void adminPromotesAndDemotesAUser() throws Exception {
		String admin = adminAccessToken();
		JsonNode user = signup();
		String path = "/api/admin/users/" + user.at("/user/id").asString() + "/tier";

		HttpResponse<String> promoted = patchJson(path, admin, """
				{"tier":"PROTOSTAR"}""");

		assertThat(promoted.statusCode()).isEqualTo(200);
		assertThat(body(promoted).at("/data/tier").asString()).isEqualTo("PROTOSTAR");
		assertThat(tierOf(user)).isEqualTo("PROTOSTAR");
		// A refresh issues an access token with the new tier.
		JsonNode refreshed = body(postJson("/api/auth/refresh", """
				{"refreshToken":"%s"}""".formatted(user.get("refreshToken").asString()))).get("data");
		assertThat(refreshed.at("/user/tier").asString()).isEqualTo("PROTOSTAR");

		HttpResponse<String> demoted = patchJson(path, admin, """
				{"tier":"GUEST"}""");

		assertThat(demoted.statusCode()).isEqualTo(200);
		assertThat(tierOf(user)).isEqualTo("GUEST");
		assertThat(this.jdbc.queryForObject("SELECT tier_locked FROM users WHERE id = ?", Boolean.class,
				UUID.fromString(user.at("/user/id").asString())))
			.as("a tier set by an admin is kept from automatic promotion")
			.isTrue();
	}

	@Test
	void unknownUserIs404() throws Exception {
		HttpResponse<String> response = patchJson("/api/admin/users/" + UUID.randomUUID() + "/tier",
				adminAccessToken(), """
						{"tier":"STARGAZER"}""");

		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("NOT_FOUND");
	}

	@Test
	void invalidUserIdIs400() throws Exception {
		HttpResponse<String> response = patchJson("/api/admin/users/not-a-uuid/tier", adminAccessToken(), """
				{"tier":"STARGAZER"}""");

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("VALIDATION_FAILED");
	}

	@Test
	void unknownTierIs400() throws Exception {
		JsonNode user = signup();

		HttpResponse<String> response = patchJson("/api/admin/users/" + user.at("/user/id").asString() + "/tier",
				adminAccessToken(), """
						{"tier":"EMPEROR"}""");

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("VALIDATION_FAILED");
	}

	@Test
	void adminCannotDemoteThemselves() throws Exception {
		JsonNode admin = login(ADMIN_EMAIL, ADMIN_PASSWORD);

		HttpResponse<String> response = patchJson("/api/admin/users/" + admin.at("/user/id").asString() + "/tier",
				admin.get("accessToken").asString(), """
						{"tier":"GUEST"}""");

		assertThat(response.statusCode()).isEqualTo(409);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("CANNOT_DEMOTE_SELF");
		assertThat(tierOf(admin)).isEqualTo("ADMIN");
	}

	@Test
	void aDemotedAdminCannotDemoteTheLastAdmin() throws Exception {
		// Two new admins, A and B; B's access token keeps saying ADMIN after
		// B is demoted, as it does for up to its lifetime. B is demoted behind
		// the application's back (in the table only), so even the copy of its
		// tier that requests are checked against still says ADMIN: the check
		// inside the tier change, where admins are locked and counted, refuses.
		String root = adminAccessToken();
		JsonNode a = signup();
		JsonNode b = signup();
		patchJson("/api/admin/users/" + a.at("/user/id").asString() + "/tier", root, "{\"tier\":\"ADMIN\"}");
		patchJson("/api/admin/users/" + b.at("/user/id").asString() + "/tier", root, "{\"tier\":\"ADMIN\"}");
		String bToken = body(postJson("/api/auth/refresh", """
				{"refreshToken":"%s"}""".formatted(b.get("refreshToken").asString()))).at("/data/accessToken").asString();
		// Leave A as the only admin: every other admin row (root and those of
		// other tests) is set aside for this test and restored afterwards.
		List<UUID> others = this.jdbc.queryForList("SELECT id FROM users WHERE tier = 'ADMIN' AND id <> ?",
				UUID.class, UUID.fromString(a.at("/user/id").asString()));
		try {
			this.jdbc.update("UPDATE users SET tier = 'PROTOSTAR' WHERE tier = 'ADMIN' AND id <> ?",
					UUID.fromString(a.at("/user/id").asString()));

			HttpResponse<String> response = patchJson("/api/admin/users/" + a.at("/user/id").asString() + "/tier",
					bToken, """
							{"tier":"GUEST"}""");

			assertThat(response.statusCode()).isEqualTo(403);
			assertThat(body(response).at("/resultCode").asString()).isEqualTo("FORBIDDEN");
			assertThat(tierOf(a)).isEqualTo("ADMIN");
		}
		finally {
			for (UUID id : others) {
				this.jdbc.update("UPDATE users SET tier = 'ADMIN' WHERE id = ?", id);
			}
		}
	}

	private String tierOf(JsonNode user) {
		return this.jdbc.queryForObject("SELECT tier FROM users WHERE id = ?", String.class,
				UUID.fromString(user.at("/user/id").asString()));
	}

}
