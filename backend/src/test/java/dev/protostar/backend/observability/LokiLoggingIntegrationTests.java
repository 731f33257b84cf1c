package dev.protostar.backend.observability;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import org.springframework.context.ConfigurableApplicationContext;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.contract.logging.FakeLoki;
import dev.protostar.contract.logging.TestLogging;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logs reach Loki through loki4j when a Loki URL is set, and only then. Loki is
 * {@link FakeLoki}, a real HTTP server recording what is pushed to its push API.
 */
class LokiLoggingIntegrationTests extends IntegrationTestSupport {

	private static final Duration WAIT = Duration.ofSeconds(20);

	/** The console as the other tests of this JVM expect it: the backend's pattern. */
	private static final Map<String, String> CONSOLE = Map.of("logging.pattern.level",
			"%5p [blue] [%X{requestId:-}]", "protostar.color", "blue");

	@RegisterExtension
	final FakeLoki loki = new FakeLoki();

	@Test
	void withoutALokiUrlOnlyTheConsoleGetsLogs() throws Exception {
		this.loki.assertPushesOnlyWithAUrl(
				(url) -> startInstance("green", "protostar.logging.loki-url=" + url), CONSOLE);
	}

	@Test
	void withALokiUrlEveryLineIsPushedWithItsLabelsAndRequestId() throws Exception {
		// Boot configures logging once per JVM and skips it for the next
		// application; released, the instance configures it from its own settings.
		TestLogging.release();
		try (ConfigurableApplicationContext instance = startInstance("green",
				"protostar.logging.loki-url=" + this.loki.url())) {
			assertThat(TestLogging.rootAppender("LOKI")).isNotNull();
			String requestId = "loki-test-" + System.nanoTime();
			// A failed login is logged, with the request's id.
			HttpResponse<String> response = http.send(
					HttpRequest.newBuilder(URI.create(baseUrlOf(instance) + "/api/auth/login"))
						.header("X-Request-Id", requestId)
						.header("X-Real-IP", this.clientIp)
						.header("Content-Type", "application/json")
						.POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"nobody@protostar.test\",\"password\":\"wrong-password\"}"))
						.build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(401);
			LoggerFactory.getLogger("dev.protostar.backend.LokiProbe").info("probe line");

			FakeLoki.Pushed refused = this.loki
				.awaitLine((line) -> line.contains("rid=" + requestId) && line.contains("Login refused"), WAIT);
			FakeLoki.Pushed probe = this.loki.awaitLine((line) -> line.contains("probe line"), WAIT);

			assertThat(refused).as("the refusal was pushed with the request's id").isNotNull();
			assertThat(probe).as("the probe line was pushed").isNotNull();
			assertThat(probe.labels()).isEqualTo(Map.of("app", "backend", "color", "green", "level", "INFO"));
			assertThat(this.loki.pushed()).allSatisfy((pushed) -> {
				assertThat(pushed.labels()).containsOnlyKeys("app", "color", "level");
				assertThat(pushed.line()).startsWith("rid=");
			});
		}
		finally {
			TestLogging.consoleOnly(CONSOLE);
		}
	}

}
