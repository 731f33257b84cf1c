package dev.protostar.worker.answer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local HTTP server standing in for a model's API (none can run here): it records
 * each request and answers as the test's handler says, with helpers that stream
 * server-sent events chunk by chunk (chunked transfer encoding, flushed per event),
 * as the real APIs do.
 */
public final class MockModelServer implements AutoCloseable {

	static final JsonMapper JSON = JsonMapper.builder().build();

	/** A request as the server received it. */
	public record Received(String method, String path, String query, String authorization, String apiKey, JsonNode body) {
	}

	public interface Handler {

		void handle(HttpExchange exchange) throws Exception;

	}

	private final HttpServer server;

	private final AtomicReference<Handler> handler = new AtomicReference<>();

	public final List<Received> requests = new CopyOnWriteArrayList<>();

	public MockModelServer() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.setExecutor(Executors.newCachedThreadPool());
		this.server.createContext("/", (exchange) -> {
			try {
				byte[] body = exchange.getRequestBody().readAllBytes();
				this.requests.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
						exchange.getRequestURI().getQuery(), exchange.getRequestHeaders().getFirst("Authorization"),
						exchange.getRequestHeaders().getFirst("x-goog-api-key"),
						(body.length > 0) ? JSON.readTree(body) : null));
				this.handler.get().handle(exchange);
			}
			catch (Exception ex) {
				// The client gave up (a timeout closed the connection): nothing to answer.
			}
			finally {
				exchange.close();
			}
		});
		this.server.start();
	}

	public String url(String path) {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + path;
	}

	public void answer(Handler handler) {
		this.handler.set(handler);
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	/** Answers 200 with an event stream of these events, each flushed on its own after {@code pause}. */
	public static Handler events(Duration pause, String... events) {
		return (exchange) -> {
			OutputStream out = startEvents(exchange);
			for (String event : events) {
				Thread.sleep(pause.toMillis());
				out.write(event.getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
		};
	}

	public static OutputStream startEvents(HttpExchange exchange) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
		exchange.getResponseHeaders().set("Cache-Control", "no-cache");
		exchange.sendResponseHeaders(200, 0);
		return exchange.getResponseBody();
	}

	public static Handler status(int status, String contentType, String body) {
		return (exchange) -> {
			byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", contentType);
			exchange.sendResponseHeaders(status, bytes.length);
			exchange.getResponseBody().write(bytes);
		};
	}

	/** An OpenAI chat.completion.chunk event carrying {@code content}. */
	public static String openAiChunk(String content) {
		return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
				+ "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + JSON.writeValueAsString(content)
				+ "},\"finish_reason\":null}]}\n\n";
	}

	/** The stream OpenAI-compatible servers send for an answer: role, content pieces, finish, [DONE]. */
	public static String[] openAiAnswer(String... pieces) {
		String[] events = new String[pieces.length + 3];
		events[0] = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
				+ "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
		for (int i = 0; i < pieces.length; i++) {
			events[i + 1] = openAiChunk(pieces[i]);
		}
		events[pieces.length + 1] = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
				+ "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
		events[pieces.length + 2] = "data: [DONE]\n\n";
		return events;
	}

}
