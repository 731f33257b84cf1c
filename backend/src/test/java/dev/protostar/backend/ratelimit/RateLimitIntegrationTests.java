package dev.protostar.backend.ratelimit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** Limits with the default configuration: anonymous 60/min, auth 10/min per address, GUEST 30/min. */
class RateLimitIntegrationTests extends IntegrationTestSupport {

	@Test
	void anonymousAddressIsLimitedAfterSixtyRequests() throws Exception {
		for (int i = 1; i <= 60; i++) {
			HttpResponse<String> response = get("/api/no-such-thing");
			assertThat(response.statusCode()).as("request %d", i).isEqualTo(404);
			assertThat(response.headers().firstValue("RateLimit-Remaining")).hasValue(Integer.toString(60 - i));
		}

		HttpResponse<String> limited = get("/api/no-such-thing");

		assertLimited(limited, 60);
	}

	@Test
	void loginIsLimitedPerAddressAfterTenAttempts() throws Exception {
		String body = """
				{"email":"%s","password":"wrong password"}""".formatted(uniqueEmail());
		for (int i = 1; i <= 10; i++) {
			assertThat(postJson("/api/auth/login", body).statusCode()).as("attempt %d", i).isEqualTo(401);
		}

		assertLimited(postJson("/api/auth/login", body), 10);
	}

	@Test
	void userIsLimitedByTier() throws Exception {
		String token = signup().get("accessToken").asString();
		for (int i = 1; i <= 30; i++) {
			assertThat(get("/api/me", token).statusCode()).as("request %d", i).isEqualTo(200);
		}

		assertLimited(get("/api/me", token), 30);
	}

	@Test
	void healthIsNeverLimited() throws Exception {
		for (int i = 0; i < 70; i++) {
			HttpResponse<String> response = get("/api/health");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("RateLimit-Limit")).isEmpty();
		}
	}

	private static void assertLimited(HttpResponse<String> response, int limit) {
		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("RATE_LIMITED");
		assertThat(response.headers().firstValue("Retry-After"))
			.hasValueSatisfying((seconds) -> assertThat(Integer.parseInt(seconds)).isBetween(1, 60));
		assertThat(response.headers().firstValue("RateLimit-Limit")).hasValue(Integer.toString(limit));
		assertThat(response.headers().firstValue("RateLimit-Remaining")).hasValue("0");
	}

}
