package dev.protostar.backend.account;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The admins' list of users: search, tier filter, pages with a total. */
class AdminUserListIntegrationTests extends IntegrationTestSupport {

	@Test
	void searchMatchesPartOfTheEmailOrTheNameInAnyCase() throws Exception {
		String marker = UUID.randomUUID().toString().substring(0, 8);
		String byEmail = "Finder-" + marker + "@protostar.test";
		signup(byEmail, "Someone");
		signup(uniqueEmail(), "Kim " + marker.toUpperCase() + " 민수");
		signup(uniqueEmail(), "Not matching");
		String admin = adminAccessToken();

		JsonNode found = body(get("/api/admin/users?q=" + marker, admin)).get("data");
		JsonNode korean = body(get("/api/admin/users?q=" + encode(marker + " 민수"), admin)).get("data");

		assertThat(found.get("total").asLong()).isEqualTo(2);
		assertThat(emails(found)).hasSize(2).contains(byEmail.toLowerCase());
		assertThat(found.at("/items/0/displayName").asString()).isEqualTo("Kim " + marker.toUpperCase() + " 민수");
		assertThat(korean.get("total").asLong()).isEqualTo(1);
		JsonNode item = found.at("/items/0");
		assertThat(item.propertyNames()).containsExactlyInAnyOrder("id", "email", "displayName", "tier", "createdAt",
				"lastActiveAt");
		assertThat(item.get("tier").asString()).isEqualTo("GUEST");
	}

	@Test
	void likeWildcardsInTheSearchAreTakenLiterally() throws Exception {
		String marker = UUID.randomUUID().toString().substring(0, 8);
		signup(uniqueEmail(), "a_" + marker);
		signup(uniqueEmail(), "ab" + marker);
		String admin = adminAccessToken();

		assertThat(body(get("/api/admin/users?q=a_" + marker, admin)).at("/data/total").asLong()).isEqualTo(1);
		assertThat(body(get("/api/admin/users?q=" + encode("%" + marker), admin)).at("/data/total").asLong()).isZero();
	}

	@Test
	void theTierFilterAndPagesWork() throws Exception {
		String marker = UUID.randomUUID().toString().substring(0, 8);
		for (int i = 0; i < 3; i++) {
			signup(uniqueEmail(), "Paged " + marker + " " + i);
		}
		String admin = adminAccessToken();

		JsonNode first = body(get("/api/admin/users?q=" + marker + "&size=2", admin)).get("data");
		JsonNode second = body(get("/api/admin/users?q=" + marker + "&size=2&page=1", admin)).get("data");
		JsonNode admins = body(get("/api/admin/users?tier=ADMIN&size=100", admin)).get("data");
		JsonNode noGuests = body(get("/api/admin/users?q=" + marker + "&tier=STARGAZER", admin)).get("data");

		assertThat(first.get("items").size()).isEqualTo(2);
		assertThat(first.get("hasMore").asBoolean()).isTrue();
		assertThat(first.get("total").asLong()).isEqualTo(3);
		assertThat(second.get("items").size()).isEqualTo(1);
		assertThat(second.get("hasMore").asBoolean()).isFalse();
		assertThat(first.at("/items/0/displayName").asString()).as("newest first").endsWith(" 2");
		assertThat(emails(admins)).contains(ADMIN_EMAIL);
		assertThat(admins.get("items").valueStream().map((user) -> user.get("tier").asString())).containsOnly("ADMIN");
		assertThat(noGuests.get("total").asLong()).isZero();
	}

	@Test
	void lastActivityIsTheLastSignInOrConversation() throws Exception {
		String email = uniqueEmail();
		signup(email, "Active");
		String admin = adminAccessToken();
		JsonNode before = body(get("/api/admin/users?q=" + encode(email), admin)).at("/data/items/0");

		String token = login(email, PASSWORD).get("accessToken").asString();
		postJson("/api/conversations", token, "{}");
		JsonNode after = body(get("/api/admin/users?q=" + encode(email), admin)).at("/data/items/0");

		assertThat(after.get("lastActiveAt").isNull()).isFalse();
		if (!before.get("lastActiveAt").isNull()) {
			assertThat(after.get("lastActiveAt").asString()).isGreaterThan(before.get("lastActiveAt").asString());
		}
	}

	@Test
	void badParametersAreRefusedAndOnlyAdminsMayList() throws Exception {
		String admin = adminAccessToken();
		String guest = signup().get("accessToken").asString();

		for (String query : List.of("tier=KING", "size=0", "size=101", "page=-1", "q=" + "x".repeat(201))) {
			HttpResponse<String> response = get("/api/admin/users?" + query, admin);
			assertThat(response.statusCode()).as(query).isEqualTo(400);
			assertThat(body(response).get("resultCode").asString()).as(query).isEqualTo("VALIDATION_FAILED");
		}
		assertThat(get("/api/admin/users", guest).statusCode()).isEqualTo(403);
	}

	private static List<String> emails(JsonNode page) {
		return page.get("items").valueStream().map((user) -> user.get("email").asString()).toList();
	}

	private static String encode(String text) {
		return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
	}

}
