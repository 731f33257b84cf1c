package dev.protostar.worker.embedding;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The OpenAI-compatible provider against a local HTTP server speaking the
 * {@code POST /v1/embeddings} protocol (request and answer shapes as OpenAI documents
 * them; Ollama, vLLM and TEI answer the same).
 */
class OpenAiEmbeddingProviderTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private HttpServer server;

	private final List<JsonNode> requests = new CopyOnWriteArrayList<>();

	private final List<String> authorizations = new CopyOnWriteArrayList<>();

	private final AtomicReference<Handler> handler = new AtomicReference<>();

	interface Handler {

		void handle(HttpExchange exchange, JsonNode request) throws Exception;

	}

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.setExecutor(Executors.newCachedThreadPool());
		this.server.createContext("/v1/embeddings", (exchange) -> {
			try {
				JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
				this.requests.add(request);
				this.authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
				this.handler.get().handle(exchange, request);
			}
			catch (Exception ex) {
				respond(exchange, 599, "{}");
			}
			finally {
				exchange.close();
			}
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	private OpenAiEmbeddingProvider provider(Duration timeout) {
		return new OpenAiEmbeddingProvider("http://127.0.0.1:" + this.server.getAddress().getPort() + "/v1/",
				"sk-test", "bge-m3", 4, 8, timeout);
	}

	@Test
	void embedsABatchInTheOrderOfTheInputs() {
		this.handler.set((exchange, request) -> {
			// Answer out of order: the index field decides.
			StringBuilder data = new StringBuilder();
			for (int i = request.get("input").size() - 1; i >= 0; i--) {
				data.append(data.isEmpty() ? "" : ",")
					.append("{\"object\":\"embedding\",\"index\":%d,\"embedding\":[%d.0,0.5,-0.25,1e-3]}".formatted(i, i));
			}
			respond(exchange, 200, """
					{"object":"list","data":[%s],"model":"bge-m3","usage":{"prompt_tokens":9,"total_tokens":9}}"""
				.formatted(data));
		});

		List<EmbeddingProvider.Embedding> result = provider(Duration.ofSeconds(5)).embed(List.of("한국어", "two", "three"));

		assertThat(result).extracting((e) -> e.vector()[0]).containsExactly(0f, 1f, 2f);
		assertThat(result.get(0).vector()).containsExactly(0f, 0.5f, -0.25f, 0.001f);
		JsonNode request = this.requests.get(0);
		assertThat(request.get("model").asString()).isEqualTo("bge-m3");
		assertThat(request.get("input").get(0).asString()).isEqualTo("한국어");
		assertThat(request.get("encoding_format").asString()).isEqualTo("float");
		assertThat(this.authorizations).containsExactly("Bearer sk-test");
	}

	@Test
	void clientErrorsAreNotRetryable() {
		this.handler.set((exchange, request) -> respond(exchange, 400, """
				{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error"}}"""));
		assertThatExceptionOfType(EmbeddingException.class).isThrownBy(() -> provider(Duration.ofSeconds(5)).embed(List.of("x")))
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse())
			.withMessageContaining("400")
			.withMessageContaining("maximum context length");

		this.handler.set((exchange, request) -> respond(exchange, 401, "{\"error\":{\"message\":\"bad key\"}}"));
		assertThatExceptionOfType(EmbeddingException.class).isThrownBy(() -> provider(Duration.ofSeconds(5)).embed(List.of("x")))
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse());
	}

	@Test
	void serverErrorsAndRateLimitsAreRetryable() {
		for (int status : new int[] { 500, 502, 503, 429 }) {
			this.handler.set((exchange, request) -> respond(exchange, status, "upstream busy"));
			assertThatExceptionOfType(EmbeddingException.class)
				.isThrownBy(() -> provider(Duration.ofSeconds(5)).embed(List.of("x")))
				.satisfies((ex) -> assertThat(ex.retryable()).as("status %d", status).isTrue())
				.withMessageContaining(Integer.toString(status))
				.withMessageContaining("upstream busy");
		}
	}

	@Test
	void aTimeoutIsRetryable() {
		this.handler.set((exchange, request) -> {
			Thread.sleep(3000);
			respond(exchange, 200, "{}");
		});
		assertThatExceptionOfType(EmbeddingException.class)
			.isThrownBy(() -> provider(Duration.ofMillis(300)).embed(List.of("x")))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.withMessageContaining("did not answer within");
	}

	@Test
	void anUnreachableServerIsRetryable() {
		OpenAiEmbeddingProvider away = new OpenAiEmbeddingProvider("http://127.0.0.1:1/v1", "", "m", 4, 8,
				Duration.ofSeconds(2));
		assertThatExceptionOfType(EmbeddingException.class).isThrownBy(() -> away.embed(List.of("x")))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
	}

	@Test
	void aWrongDimensionIsRefused() {
		this.handler.set((exchange, request) -> respond(exchange, 200,
				"{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[1.0,2.0]}]}"));
		assertThatExceptionOfType(EmbeddingException.class).isThrownBy(() -> provider(Duration.ofSeconds(5)).embed(List.of("x")))
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse())
			.withMessageContaining("returned 2 dimensions, configured: 4");
	}

	@Test
	void aShortAnswerIsRefused() {
		this.handler.set((exchange, request) -> respond(exchange, 200, "{\"object\":\"list\",\"data\":[]}"));
		assertThatExceptionOfType(EmbeddingException.class).isThrownBy(() -> provider(Duration.ofSeconds(5)).embed(List.of("x")))
			.withMessageContaining("0 embeddings for 1 inputs");
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

}
