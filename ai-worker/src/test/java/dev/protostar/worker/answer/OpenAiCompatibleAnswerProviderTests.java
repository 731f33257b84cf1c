package dev.protostar.worker.answer;

import java.io.OutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.protostar.worker.answer.MockModelServer.events;
import static dev.protostar.worker.answer.MockModelServer.openAiAnswer;
import static dev.protostar.worker.answer.MockModelServer.openAiChunk;
import static dev.protostar.worker.answer.MockModelServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The OpenAI-compatible provider against a local server speaking the streaming
 * chat-completions protocol: chunked {@code data:} events of
 * {@code chat.completion.chunk} objects, a finish reason, then {@code data: [DONE]}.
 */
class OpenAiCompatibleAnswerProviderTests {

	private MockModelServer server;

	private final List<String> tokens = new ArrayList<>();

	@BeforeEach
	void start() throws IOException {
		this.server = new MockModelServer();
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	private OpenAiCompatibleAnswerProvider provider(String key, Duration firstToken, Duration total) {
		return new OpenAiCompatibleAnswerProvider(new StreamingAnswerProvider.RemoteSettings(this.server.url("/v1/"),
				key, "qwen2.5:7b", 0.2, 512, Duration.ofSeconds(2), firstToken, total));
	}

	private OpenAiCompatibleAnswerProvider provider() {
		return provider("", Duration.ofSeconds(10), Duration.ofSeconds(20));
	}

	private Answer ask(OpenAiCompatibleAnswerProvider provider) {
		return provider.answer(
				new AnswerRequest("How many days of leave do I have?", Passages.leave(),
						List.of(new AnswerRequest.Turn(true, "Hello"),
								new AnswerRequest.Turn(false, "Hello! The canteen opens at 11:30 [2]."))),
				this.tokens::add);
	}

	@Test
	void streamsTheTokensAndCitesThePassagesTheAnswerNames() {
		this.server.answer(events(Duration.ofMillis(5),
				openAiAnswer("You have 15 days", " of paid leave a year [1],", " requested through the HR portal [2]",
						" [7].")));

		Answer answer = ask(provider());

		assertThat(this.tokens).containsExactly("You have 15 days", " of paid leave a year [1],",
				" requested through the HR portal [2]", " [7].");
		assertThat(answer.text()).isEqualTo(String.join("", this.tokens));
		// [7] names no passage: dropped.
		assertThat(answer.citations()).extracting(Citation::n).containsExactly(1, 2);
		assertThat(answer.citations().get(0).documentId()).isEqualTo(Passages.LEAVE);
		assertThat(answer.citations().get(0).title()).isEqualTo("Leave policy");
		assertThat(answer.citations().get(1).chunkIndex()).isEqualTo(3);
		assertThat(answer.citations().get(1).quote()).startsWith("The canteen opens at 11:30.");
		assertThat(answer.provider()).isEqualTo("openai");
		assertThat(answer.model()).isEqualTo("qwen2.5:7b");
	}

	@Test
	void theRequestGroundsTheModelInTheNumberedPassages() {
		this.server.answer(events(Duration.ZERO, openAiAnswer("ok [1]")));

		ask(provider());

		MockModelServer.Received request = this.server.requests.get(0);
		assertThat(request.method()).isEqualTo("POST");
		assertThat(request.path()).isEqualTo("/v1/chat/completions");
		assertThat(request.authorization()).as("no key configured: no header").isNull();
		JsonNode body = request.body();
		assertThat(body.get("model").asString()).isEqualTo("qwen2.5:7b");
		assertThat(body.get("stream").asBoolean()).isTrue();
		assertThat(body.get("max_tokens").asInt()).isEqualTo(512);
		JsonNode messages = body.get("messages");
		assertThat(messages).hasSize(4);
		assertThat(messages.get(0).get("role").asString()).isEqualTo("system");
		String system = messages.get(0).get("content").asString();
		assertThat(system).contains("[1] (Leave policy)\nAnnual leave. Every employee has 15 days")
			.contains("[2] (Employee handbook)")
			.contains("square brackets")
			.contains("language of the question");
		assertThat(messages.get(1).get("role").asString()).isEqualTo("user");
		// An earlier answer's markers named its own passages: not these.
		assertThat(messages.get(2).get("role").asString()).isEqualTo("assistant");
		assertThat(messages.get(2).get("content").asString()).isEqualTo("Hello! The canteen opens at 11:30.");
		assertThat(messages.get(3).get("content").asString()).isEqualTo("How many days of leave do I have?");
	}

	@Test
	void aConfiguredKeyIsSentAsABearerToken() {
		this.server.answer(events(Duration.ZERO, openAiAnswer("ok")));

		ask(provider("sk-test", Duration.ofSeconds(10), Duration.ofSeconds(20)));

		assertThat(this.server.requests.get(0).authorization()).isEqualTo("Bearer sk-test");
	}

	@Test
	void aSlowFirstTokenTimesOutAsUnavailable() {
		this.server.answer(events(Duration.ofSeconds(3), openAiAnswer("late")));

		assertThatExceptionOfType(AnswerException.class)
			.isThrownBy(() -> ask(provider("", Duration.ofMillis(300), Duration.ofSeconds(20))))
			.withMessageContaining("sent no answer within PT0.3S (first-token timeout)")
			.satisfies((ex) -> {
				assertThat(ex.retryable()).isTrue();
				assertThat(ex.resultCode()).isEqualTo("SERVICE_UNAVAILABLE");
			});
		assertThat(this.tokens).isEmpty();
	}

	@Test
	void anAnswerThatStartsButDoesNotFinishInTimeTimesOut() {
		this.server.answer((exchange) -> {
			OutputStream out = MockModelServer.startEvents(exchange);
			out.write(openAiChunk("15 days").getBytes(StandardCharsets.UTF_8));
			out.flush();
			Thread.sleep(5000);
		});

		assertThatExceptionOfType(AnswerException.class)
			.isThrownBy(() -> ask(provider("", Duration.ofSeconds(5), Duration.ofMillis(800))))
			.withMessageContaining("did not finish its answer within PT0.8S");
		assertThat(this.tokens).containsExactly("15 days");
	}

	@Test
	void serverErrorsAndOverloadAreRetryable() {
		this.server.answer(status(500, "application/json", "{\"error\":{\"message\":\"CUDA out of memory\"}}"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("answered 500: CUDA out of memory")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.satisfies((ex) -> assertThat(ex.resultCode()).isEqualTo("SERVICE_UNAVAILABLE"));

		this.server.answer(status(429, "application/json",
				"{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("answered 429: Rate limit reached")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.satisfies((ex) -> assertThat(ex.resultCode()).isEqualTo("RATE_LIMITED"));
	}

	@Test
	void aRefusedKeyOrUnknownModelIsNotRetryable() {
		this.server.answer(status(401, "application/json",
				"{\"error\":{\"message\":\"Incorrect API key provided: sk-wrong.\",\"type\":\"invalid_request_error\"}}"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("answered 401: Incorrect API key provided")
			.withMessageContaining("ANSWER_API_KEY")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse())
			.satisfies((ex) -> assertThat(ex.resultCode()).isEqualTo("INTERNAL_ERROR"));

		this.server.answer(status(404, "application/json", "{\"error\":{\"message\":\"model 'qwen2.5:7b' not found\"}}"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("model 'qwen2.5:7b' not found")
			.withMessageContaining("ANSWER_MODEL")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse());
	}

	@Test
	void aBaseUrlThatIsNotTheApiIsNamedAsMisconfigured() {
		this.server.answer(status(200, "text/html", "<html>Welcome to nginx!</html>"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("Content-Type 'text/html', not an event stream")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse());
	}

	@Test
	void aMalformedChunkIsAClearError() {
		this.server.answer(events(Duration.ZERO, openAiChunk("15 days"), "data: {\"choices\":[{\"delta\":\n\n"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("sent a malformed chunk: {\"choices\":[{\"delta\":")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());

		this.server.answer(events(Duration.ZERO, "data: [1, 2]\n\n"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("sent a malformed chunk: [1, 2]");
	}

	@Test
	void anErrorInTheMiddleOfTheStreamIsRetryable() {
		this.server.answer(events(Duration.ZERO, openAiChunk("15"),
				"data: {\"error\":{\"object\":\"error\",\"message\":\"engine dead\",\"code\":500}}\n\n"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("failed in the middle of the answer: engine dead")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
	}

	@Test
	void aStreamThatEndsBeforeTheAnswerIsFinishedIsCut() {
		// The response ends cleanly, but without a finish reason or [DONE].
		this.server.answer(events(Duration.ZERO, openAiChunk("You have "), openAiChunk("15")));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider()))
			.withMessageContaining("ended the stream before the answer was finished")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
		assertThat(this.tokens).containsExactly("You have ", "15");
	}

	@Test
	void aConnectionDroppedMidStreamIsCut() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			Thread dropper = Thread.ofVirtual().start(() -> {
				try (Socket client = socket.accept()) {
					client.getInputStream().read(new byte[8192]);
					String chunk = openAiChunk("You have ");
					byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
					OutputStream out = client.getOutputStream();
					out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
							+ Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.UTF_8));
					out.write(bytes);
					out.write("\r\n".getBytes(StandardCharsets.UTF_8));
					out.flush();
					// Half an event, then the connection goes: no last chunk.
					out.write("20\r\ndata: {\"choices\"".getBytes(StandardCharsets.UTF_8));
					out.flush();
				}
				catch (IOException ex) {
					// the test fails on its own if nothing was sent
				}
			});
			OpenAiCompatibleAnswerProvider dropping = new OpenAiCompatibleAnswerProvider(
					new StreamingAnswerProvider.RemoteSettings("http://127.0.0.1:" + socket.getLocalPort() + "/v1", "",
							"m", 0.2, 512, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(20)));
			assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(dropping))
				.withMessageContaining("cut the stream")
				.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
			dropper.join();
		}
		assertThat(this.tokens).containsExactly("You have ");
	}

	@Test
	void anUnreachableServerIsUnavailable() throws Exception {
		int port;
		try (ServerSocket free = new ServerSocket(0)) {
			port = free.getLocalPort();
		}
		OpenAiCompatibleAnswerProvider away = new OpenAiCompatibleAnswerProvider(new StreamingAnswerProvider.RemoteSettings(
				"http://127.0.0.1:" + port + "/v1", "", "m", 0.2, 512, Duration.ofSeconds(2), Duration.ofSeconds(5),
				Duration.ofSeconds(10)));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(away))
			.withMessageContaining("is unreachable: connection refused")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
	}

}
