package dev.protostar.backend.account;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session ends 30 days after its login at the latest (the absolute lifetime,
 * {@code protostar.auth.session-max-age}), however often it is refreshed within
 * the sliding lifetime of 14 days. The application's clock is moved by the
 * test; Redis keeps its own time, so only the application's arithmetic decides.
 */
@Import(SessionLifetimeIntegrationTests.MovableClock.class)
class SessionLifetimeIntegrationTests extends IntegrationTestSupport {

	private static final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

	/** What the last successful refresh said about the new refresh token's lifetime, in seconds. */
	private long lastRefreshExpiresIn;

	@BeforeEach
	void startNow() {
		now.set(Instant.now());
	}

	@Test
	void aSessionCannotBeRefreshedPastItsAbsoluteLifetimeThoughRotatedRecently() throws Exception {
		Instant login = now.get();
		String refreshToken = signup().get("refreshToken").asString();
		for (int day : new int[] { 13, 26 }) {
			now.set(login.plus(Duration.ofDays(day)));
			HttpResponse<String> response = refresh(refreshToken);
			assertThat(response.statusCode()).as("day %d: %s", day, response.body()).isEqualTo(200);
			refreshToken = body(response).at("/data/refreshToken").asString();
		}
		// The sliding lifetime would allow 14 more days; the session has 4 left.
		assertThat(lastRefreshExpiresIn).isEqualTo(Duration.ofDays(4).toSeconds());

		now.set(login.plus(Duration.ofDays(30)).plusSeconds(60));
		HttpResponse<String> tooLate = refresh(refreshToken);

		assertThat(tooLate.statusCode()).as(tooLate.body()).isEqualTo(401);
		assertThat(body(tooLate).at("/resultCode").asString()).isEqualTo("INVALID_REFRESH_TOKEN");
	}

	@Test
	void theSlidingLifetimeStillEndsAnIdleSession() throws Exception {
		Instant login = now.get();
		String refreshToken = signup().get("refreshToken").asString();

		now.set(login.plus(Duration.ofDays(14)).plusSeconds(60));
		HttpResponse<String> response = refresh(refreshToken);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
	}

	/** The application's clock, which the test moves. */
	@TestConfiguration(proxyBeanMethods = false)
	static class MovableClock {

		@Bean
		@Primary
		Clock movableClock() {
			return new Clock() {

				@Override
				public Instant instant() {
					return now.get();
				}

				@Override
				public ZoneId getZone() {
					return ZoneOffset.UTC;
				}

				@Override
				public Clock withZone(ZoneId zone) {
					return Clock.fixed(instant(), zone);
				}

			};
		}

	}

	private HttpResponse<String> refresh(String refreshToken) throws Exception {
		HttpResponse<String> response = postJson("/api/auth/refresh", "{\"refreshToken\":\"" + refreshToken + "\"}");
		if (response.statusCode() == 200) {
			JsonNode data = body(response).get("data");
			this.lastRefreshExpiresIn = data.get("refreshExpiresIn").asLong();
		}
		return response;
	}

}
