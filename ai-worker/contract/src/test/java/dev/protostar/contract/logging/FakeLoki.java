package dev.protostar.contract.logging;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loki for the applications' logging tests (through the test jar): a real HTTP server
 * (the JDK's) on a free local port that records every line pushed to its push API in
 * loki4j's default JSON format, with its stream's labels. What the applications'
 * logback-spring.xml send is tested as Loki receives it. A JUnit extension, a new
 * server for each test: {@code @RegisterExtension final FakeLoki loki = new FakeLoki();}.
 */
public final class FakeLoki implements BeforeEachCallback, AfterEachCallback {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private HttpServer server;

	private final List<Pushed> pushed = new CopyOnWriteArrayList<>();

	/** A pushed line and the labels of the stream it came in. */
	public record Pushed(Map<String, String> labels, String line) {
	}

	@Override
	public void beforeEach(ExtensionContext context) throws IOException {
		this.pushed.clear();
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.createContext("/loki/api/v1/push", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				byte[] bytes = body.readAllBytes();
				if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
					bytes = new GZIPInputStream(new ByteArrayInputStream(bytes)).readAllBytes();
				}
				record(JSON.readTree(new String(bytes, StandardCharsets.UTF_8)));
			}
			exchange.sendResponseHeaders(204, -1);
			exchange.close();
		});
		this.server.start();
	}

	@Override
	public void afterEach(ExtensionContext context) {
		this.server.stop(0);
	}

	/** What LOKI_URL is set to for this server (the push path is the appender's). */
	public String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/** Every line pushed so far, in the order received. */
	public List<Pushed> pushed() {
		return List.copyOf(this.pushed);
	}

	/** The first pushed line that matches, waiting up to {@code timeout} for it; null if none came. */
	public Pushed awaitLine(Predicate<String> matches, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			for (Pushed each : this.pushed) {
				if (matches.test(each.line())) {
					return each;
				}
			}
			Thread.sleep(100);
		}
		return null;
	}

	/**
	 * What both applications promise: they push to Loki only when a Loki URL is set.
	 * Started with this server's URL, an application's line arrives here (or "nothing
	 * pushed" would prove nothing); started again with an empty URL, as Compose passes
	 * LOKI_URL when .env sets none, it has no Loki appender and its line never arrives.
	 * Logging is left to the console.
	 * @param start starts the application with this Loki URL ("" for none)
	 * @param consoleSettings the console's settings, see {@link TestLogging#consoleOnly}
	 */
	public void assertPushesOnlyWithAUrl(Function<String, ConfigurableApplicationContext> start,
			Map<String, String> consoleSettings) throws InterruptedException {
		Logger probe = LoggerFactory.getLogger("dev.protostar.LokiProbe");
		try {
			TestLogging.release();
			try (ConfigurableApplicationContext application = start.apply(url())) {
				probe.info("probe line with a url");
				assertThat(awaitLine((line) -> line.contains("probe line with a url"), Duration.ofSeconds(30)))
					.as("the fake gets pushes")
					.isNotNull();
			}
			TestLogging.release();
			try (ConfigurableApplicationContext application = start.apply("")) {
				assertThat(TestLogging.rootAppender("CONSOLE")).isNotNull();
				assertThat(TestLogging.rootAppender("LOKI")).isNull();
				probe.info("probe line without a url");
			}
		}
		finally {
			TestLogging.consoleOnly(consoleSettings);
		}
		// Configuring logging again stopped every appender, and a Loki appender sends
		// what it holds before it stops (drainOnStop): had there been one, its push is here.
		assertThat(pushed()).as("pushes after the url was removed")
			.noneSatisfy((pushed) -> assertThat(pushed.line()).contains("probe line without a url"));
	}

	private void record(JsonNode push) {
		for (JsonNode stream : push.get("streams")) {
			Map<String, String> labels = new LinkedHashMap<>();
			stream.get("stream").properties().forEach((label) -> labels.put(label.getKey(), label.getValue().asString()));
			for (JsonNode value : stream.get("values")) {
				this.pushed.add(new Pushed(Map.copyOf(labels), value.get(1).asString()));
			}
		}
	}

}
