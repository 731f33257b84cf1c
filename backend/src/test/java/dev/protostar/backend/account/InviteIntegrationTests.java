package dev.protostar.backend.account;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admins' invites under the default policy ({@code open}): single use, the
 * invite's tier (never ADMIN), bound to an address when it names one, listed
 * and withdrawn by admins only.
 */
class InviteIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void anInviteGivesItsTierOnceOnly() throws Exception {
		JsonNode invite = createInvite("{\"tier\":\"STARGAZER\"}");
		String token = invite.get("token").asString();
		assertThat(invite.get("link").asString()).endsWith("/signup#invite=" + token);
		assertThat(invite.at("/invite/tier").asString()).isEqualTo("STARGAZER");

		HttpResponse<String> first = signupWith(uniqueEmail(), token);
		assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
		assertThat(body(first).at("/data/user/tier").asString()).isEqualTo("STARGAZER");

		String second = uniqueEmail();
		HttpResponse<String> again = signupWith(second, token);
		assertThat(again.statusCode()).isEqualTo(403);
		assertThat(body(again).at("/resultCode").asString()).isEqualTo("INVITE_INVALID");
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM users WHERE email = ?", Integer.class, second))
			.isZero();
	}

	@Test
	void anInviteDefaultsToGuestAndSevenDays() throws Exception {
		JsonNode invite = createInvite("{}").get("invite");

		assertThat(invite.get("tier").asString()).isEqualTo("GUEST");
		assertThat(java.time.Duration.between(java.time.Instant.parse(invite.get("createdAt").asString()),
				java.time.Instant.parse(invite.get("expiresAt").asString())))
			.isEqualTo(java.time.Duration.ofDays(7));
	}

	@Test
	void anInviteForOneAddressRefusesAnother() throws Exception {
		String invited = uniqueEmail();
		String token = createInvite("{\"email\":\"" + invited.toUpperCase(java.util.Locale.ROOT) + "\"}").get("token")
			.asString();

		assertThat(body(signupWith(uniqueEmail(), token)).at("/resultCode").asString()).isEqualTo("INVITE_INVALID");
		assertThat(signupWith(invited, token).statusCode()).isEqualTo(201);
	}

	@Test
	void anInviteCannotMakeAnAdmin() throws Exception {
		HttpResponse<String> response = postJson("/api/admin/invites", adminAccessToken(), "{\"tier\":\"ADMIN\"}");

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("VALIDATION_FAILED");
	}

	@Test
	void aWithdrawnInviteIsRefusedAndListedNoMore() throws Exception {
		String admin = adminAccessToken();
		JsonNode invite = createInvite("{}");
		String id = invite.at("/invite/id").asString();
		assertThat(body(get("/api/admin/invites", admin)).get("data").findValuesAsString("id")).contains(id);

		HttpResponse<String> deleted = send(request("/api/admin/invites/" + id)
			.header("Authorization", "Bearer " + admin).DELETE().build());
		assertThat(deleted.statusCode()).isEqualTo(200);

		assertThat(body(get("/api/admin/invites", admin)).get("data").findValuesAsString("id")).doesNotContain(id);
		assertThat(body(signupWith(uniqueEmail(), invite.get("token").asString())).at("/resultCode").asString())
			.isEqualTo("INVITE_INVALID");
		assertThat(send(request("/api/admin/invites/" + id).header("Authorization", "Bearer " + admin)
			.DELETE()
			.build()).statusCode()).isEqualTo(404);
	}

	@Test
	void onlyAdminsManageInvites() throws Exception {
		String guest = signup().get("accessToken").asString();

		assertThat(postJson("/api/admin/invites", guest, "{}").statusCode()).isEqualTo(403);
		assertThat(get("/api/admin/invites", guest).statusCode()).isEqualTo(403);
		assertThat(send(request("/api/admin/invites/" + UUID.randomUUID()).header("Authorization", "Bearer " + guest)
			.DELETE()
			.build()).statusCode()).isEqualTo(403);
	}

	private JsonNode createInvite(String body) throws Exception {
		HttpResponse<String> response = postJson("/api/admin/invites", adminAccessToken(), body);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return body(response).get("data");
	}

	private HttpResponse<String> signupWith(String email, String inviteToken) throws Exception {
		return postJson("/api/auth/signup", json.writeValueAsString(json.createObjectNode()
			.put("email", email)
			.put("password", PASSWORD)
			.put("displayName", "Invited")
			.put("inviteToken", inviteToken)));
	}

}
