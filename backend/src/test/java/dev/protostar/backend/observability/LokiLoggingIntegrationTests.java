package dev.protostar.backend.observability;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logs reach Loki through loki4j when a Loki URL is set, and only then. Loki is
 * a real HTTP server here (the JDK's) that records what is pushed to its push
 * API in loki4j's default JSON format.
 */
class LokiLoggingIntegrationTests extends IntegrationTestSupport {

	private HttpServer loki;

	private final List<JsonNode> pushes = new CopyOnWriteArrayList<>();

	@BeforeEach
	void startLoki() throws IOException {
		this.loki = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.loki.createContext("/loki/api/v1/push", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				byte[] bytes = body.readAllBytes();
				if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
					bytes = new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes();
				}
				this.pushes.add(json.readTree(new String(bytes, StandardCharsets.UTF_8)));
			}
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		this.loki.start();
	}

	@AfterEach
	void stopLoki() {
		this.loki.stop(0);
	}

	@Test
	void withoutALokiUrlOnlyTheConsoleGetsLogs() throws Exception {
		// The fake must be one this JVM's logging did push to, or "nothing pushed" proves nothing.
		String url = "http://127.0.0.1:" + this.loki.getAddress().getPort();
		LoggingSystem.get(getClass().getClassLoader()).cleanUp();
		try {
			try (ConfigurableApplicationContext instance = startInstance("green", "protostar.logging.loki-url=" + url)) {
				LoggerFactory.getLogger("dev.protostar.backend.LokiProbe").info("probe line with a url");
				assertThat(waitForLine("probe line with a url", Duration.ofSeconds(20))).as("the fake gets pushes")
					.isNotEmpty();
			}
			// Empty, as production.env ships LOKI_URL: the condition must leave Loki out.
			LoggingSystem.get(getClass().getClassLoader()).cleanUp();
			try (ConfigurableApplicationContext instance = startInstance("green", "protostar.logging.loki-url=")) {
				assertThat(rootLogger().getAppender("CONSOLE")).isNotNull();
				assertThat(rootLogger().getAppender("LOKI")).isNull();
				LoggerFactory.getLogger("dev.protostar.backend.LokiProbe").info("probe line without a url");
			}
		}
		finally {
			consoleOnlyAgain();
		}
		// Configuring logging again stopped every appender, and a Loki appender sends
		// what it holds before it stops (drainOnStop): had there been one, its push is here.
		assertThat(this.pushes).as("pushes after the url was removed")
			.noneSatisfy((push) -> assertThat(push.toString()).contains("probe line without a url"));
	}

	@Test
	void withALokiUrlEveryLineIsPushedWithItsLabelsAndRequestId() throws Exception {
		String url = "http://127.0.0.1:" + this.loki.getAddress().getPort();
		// Boot configures logging once per JVM and skips it for the next
		// application; released, the instance configures it from its own settings.
		LoggingSystem.get(getClass().getClassLoader()).cleanUp();
		try (ConfigurableApplicationContext instance = startInstance("green", "protostar.logging.loki-url=" + url)) {
			assertThat(rootLogger().getAppender("LOKI")).isNotNull();
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

			List<String> lines = waitForLine("rid=" + requestId, Duration.ofSeconds(20));
			waitForLine("probe line", Duration.ofSeconds(20));

			assertThat(lines).as("lines pushed with the request's id").isNotEmpty();
			assertThat(lines).anySatisfy((line) -> assertThat(line).contains("Login refused"));
			JsonNode stream = streamWithLine("probe line");
			assertThat(stream).as("the probe line was pushed").isNotNull();
			assertThat(stream.get("stream").get("app").asString()).isEqualTo("backend");
			assertThat(stream.get("stream").get("color").asString()).isEqualTo("green");
			assertThat(stream.get("stream").get("level").asString()).isEqualTo("INFO");
			for (JsonNode push : this.pushes) {
				for (JsonNode each : push.get("streams")) {
					assertThat(each.get("stream").propertyNames()).containsExactlyInAnyOrder("app", "color", "level");
					for (JsonNode value : each.get("values")) {
						assertThat(value.get(1).asString()).startsWith("rid=");
					}
				}
			}
		}
		finally {
			consoleOnlyAgain();
		}
	}

	private List<String> waitForLine(String text, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			List<String> found = new ArrayList<>();
			for (JsonNode push : this.pushes) {
				for (JsonNode stream : push.get("streams")) {
					for (JsonNode value : stream.get("values")) {
						if (value.get(1).asString().contains(text)) {
							found.add(value.get(1).asString());
						}
					}
				}
			}
			if (!found.isEmpty()) {
				return found;
			}
			Thread.sleep(100);
		}
		return List.of();
	}

	private JsonNode streamWithLine(String text) {
		for (JsonNode push : this.pushes) {
			for (JsonNode stream : push.get("streams")) {
				for (JsonNode value : stream.get("values")) {
					if (value.get(1).asString().contains(text)) {
						return stream;
					}
				}
			}
		}
		return null;
	}

	private static Logger rootLogger() {
		return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
	}

	/**
	 * Logging is one per JVM: the instance configured it with Loki, and the
	 * contexts other tests share would keep pushing to a server that is gone.
	 */
	private static void consoleOnlyAgain() {
		LoggingSystem system = LoggingSystem.get(LokiLoggingIntegrationTests.class.getClassLoader());
		system.cleanUp();
		system.beforeInitialize();
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("logging", Map.of("logging.pattern.level",
					"%5p [blue] [%X{requestId:-}]", "protostar.color", "blue")));
		system.initialize(new LoggingInitializationContext(environment), null, null);
		assertThat(rootLogger().getAppender("LOKI")).isNull();
	}

}
