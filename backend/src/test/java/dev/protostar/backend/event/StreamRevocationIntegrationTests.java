package dev.protostar.backend.event;

import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.OtherInstance;
import dev.protostar.backend.SseClient;
import dev.protostar.backend.SseClient.Event;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a user's access shrinks (a demotion, "sign out everywhere", a password
 * change), every event stream of that user ends with a {@code revoked} event,
 * on whichever instance ("blue", this test's, or "green") holds it.
 */
class StreamRevocationIntegrationTests extends IntegrationTestSupport {

	@RegisterExtension
	static final OtherInstance green = new OtherInstance("green");

	@Test
	void aDemotionEndsTheUsersStreamsOnBothColours() throws Exception {
		JsonNode user = signup();
		String userId = user.at("/user/id").asString();
		String root = adminAccessToken();
		patchJson("/api/admin/users/" + userId + "/tier", root, "{\"tier\":\"PROTOSTAR\"}");
		String token = user.get("accessToken").asString();

		try (SseClient onBlue = events(token, null); SseClient onGreen = onGreen(token)) {
			assertThat(onBlue.next().name()).isEqualTo("ready");
			assertThat(onGreen.next().name()).isEqualTo("ready");

			patchJson("/api/admin/users/" + userId + "/tier", root, "{\"tier\":\"GUEST\"}");

			assertRevoked(onBlue, "tier-changed");
			assertRevoked(onGreen, "tier-changed");
		}
	}

	@Test
	void aPromotionLeavesTheStreamsOpen() throws Exception {
		JsonNode user = signup();

		try (SseClient stream = events(user.get("accessToken").asString(), null)) {
			assertThat(stream.next().name()).isEqualTo("ready");

			patchJson("/api/admin/users/" + user.at("/user/id").asString() + "/tier", adminAccessToken(),
					"{\"tier\":\"STARGAZER\"}");

			assertThat(stream.poll(Duration.ofSeconds(1))).isNull();
		}
	}

	@Test
	void signingOutEverywhereEndsTheStreams() throws Exception {
		String token = signup().get("accessToken").asString();

		try (SseClient onBlue = events(token, null); SseClient onGreen = onGreen(token)) {
			onBlue.next();
			onGreen.next();

			send(request("/api/auth/logout-all").header("Authorization", "Bearer " + token)
				.POST(BodyPublishers.noBody())
				.build());

			assertRevoked(onBlue, "signed-out");
			assertRevoked(onGreen, "signed-out");
		}
		// And the revoked token cannot open a new one.
		try (SseClient again = events(token, null)) {
			assertThat(again.status()).isEqualTo(401);
			assertThat(again.body()).contains("TOKEN_REVOKED");
		}
	}

	@Test
	void aPasswordChangeEndsTheStreams() throws Exception {
		String token = signup().get("accessToken").asString();

		try (SseClient onGreen = onGreen(token)) {
			onGreen.next();

			postJson("/api/me/password", token, """
					{"currentPassword":"%s","newPassword":"another good passphrase"}""".formatted(PASSWORD));

			assertRevoked(onGreen, "password-changed");
		}
	}

	private SseClient onGreen(String token) {
		return SseClient.connect(http, green.baseUrl(), token, null, this.clientIp);
	}

	private static void assertRevoked(SseClient stream, String reason) throws Exception {
		Event event = stream.next(Duration.ofSeconds(10));
		assertThat(event.name()).as(event.toString()).isEqualTo("revoked");
		assertThat(event.id()).isNull();
		assertThat(json.readTree(event.data()).get("reason").asString()).isEqualTo(reason);
		assertThat(stream.awaitEnd(Duration.ofSeconds(5))).as("the stream ends").isTrue();
	}

}
