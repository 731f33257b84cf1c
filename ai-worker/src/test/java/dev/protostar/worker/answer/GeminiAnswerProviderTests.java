package dev.protostar.worker.answer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static dev.protostar.worker.answer.MockModelServer.events;
import static dev.protostar.worker.answer.MockModelServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Gemini provider against a local server speaking
 * {@code streamGenerateContent?alt=sse}: each event a {@code GenerateContentResponse}
 * (CRLF line ends, as Google sends them), the last with a {@code finishReason}, and no
 * end marker.
 */
class GeminiAnswerProviderTests {

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

	private GeminiAnswerProvider provider(Duration firstToken) {
		return new GeminiAnswerProvider(new StreamingAnswerProvider.RemoteSettings(this.server.url(""), "AIza-test",
				"gemini-2.5-flash", 0.2, 512, Duration.ofSeconds(2), firstToken, Duration.ofSeconds(20)));
	}

	private Answer ask(GeminiAnswerProvider provider) {
		return provider.answer(new AnswerRequest("연차 휴가는 며칠인가요?", Passages.korean(),
				List.of(new AnswerRequest.Turn(true, "안녕하세요"), new AnswerRequest.Turn(false, "안녕하세요! [1]"))),
				this.tokens::add);
	}

	/** One event as Gemini sends it with alt=sse. */
	private static String chunk(String partsJson, String finishReason) {
		return "data: {\"candidates\": [{\"content\": {\"parts\": " + partsJson + ",\"role\": \"model\"}"
				+ ((finishReason != null) ? ",\"finishReason\": \"" + finishReason + "\"" : "")
				+ ",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,\"candidatesTokenCount\": 11},"
				+ "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"65E2aavdMaiU1e8P246LmAc\"}\r\n\r\n";
	}

	@Test
	void streamsTheTextPartsSkipsThoughtsAndCites() {
		this.server.answer(events(Duration.ofMillis(5),
				chunk("[{\"text\": \"Planning the answer\", \"thought\": true}]", null),
				chunk("[{\"text\": \"모든 직원은 1년에 \"}, {\"text\": \"15일의 \"}]", null),
				chunk("[{\"text\": \"유급 연차 휴가를 받습니다 [1].\"}]", "STOP")));

		Answer answer = ask(provider(Duration.ofSeconds(10)));

		assertThat(this.tokens).containsExactly("모든 직원은 1년에 15일의 ", "유급 연차 휴가를 받습니다 [1].");
		assertThat(answer.text()).isEqualTo("모든 직원은 1년에 15일의 유급 연차 휴가를 받습니다 [1].");
		assertThat(answer.citations()).extracting(Citation::title).containsExactly("휴가 규정");
		assertThat(answer.provider()).isEqualTo("gemini");
		assertThat(answer.model()).isEqualTo("gemini-2.5-flash");
	}

	@Test
	void theRequestIsGeminisStreamingCallWithTheKeyInItsHeader() {
		this.server.answer(events(Duration.ZERO, chunk("[{\"text\": \"15일 [1]\"}]", "STOP")));

		ask(provider(Duration.ofSeconds(10)));

		MockModelServer.Received request = this.server.requests.get(0);
		assertThat(request.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
		assertThat(request.query()).isEqualTo("alt=sse");
		assertThat(request.apiKey()).isEqualTo("AIza-test");
		assertThat(request.authorization()).isNull();
		JsonNode body = request.body();
		assertThat(body.at("/systemInstruction/parts/0/text").asString()).contains("[1] (휴가 규정)")
			.contains("[2] (직원 안내서)");
		JsonNode contents = body.get("contents");
		assertThat(contents).hasSize(3);
		assertThat(contents.get(0).get("role").asString()).isEqualTo("user");
		assertThat(contents.get(1).get("role").asString()).isEqualTo("model");
		assertThat(contents.get(1).at("/parts/0/text").asString()).isEqualTo("안녕하세요!");
		assertThat(contents.get(2).at("/parts/0/text").asString()).isEqualTo("연차 휴가는 며칠인가요?");
		assertThat(body.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(512);
	}

	@Test
	void aStreamWithoutAFinishReasonIsCut() {
		this.server.answer(events(Duration.ZERO, chunk("[{\"text\": \"모든 직원은\"}]", null)));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider(Duration.ofSeconds(10))))
			.withMessageContaining("ended the stream before the answer was finished")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
	}

	@Test
	void anExhaustedQuotaIsRateLimitedAndABadKeyMisconfigured() {
		this.server.answer(status(429, "application/json", """
				{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
				 "status": "RESOURCE_EXHAUSTED"}}"""));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider(Duration.ofSeconds(10))))
			.withMessageContaining("answered 429: Resource has been exhausted")
			.satisfies((ex) -> assertThat(ex.resultCode()).isEqualTo("RATE_LIMITED"));

		this.server.answer(status(400, "application/json", """
				{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
				 "status": "INVALID_ARGUMENT"}}"""));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider(Duration.ofSeconds(10))))
			.withMessageContaining("API key not valid")
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse());
	}

	@Test
	void aModelThinkingPastTheFirstTokenLimitIsNotTimedOutButSilenceIs() {
		// Thought parts show the model works: the first-token limit is met.
		this.server.answer(events(Duration.ofMillis(400), chunk("[{\"text\": \"...\", \"thought\": true}]", null),
				chunk("[{\"text\": \"...\", \"thought\": true}]", null), chunk("[{\"text\": \"15일 [1]\"}]", "STOP")));
		assertThat(ask(provider(Duration.ofSeconds(1))).text()).isEqualTo("15일 [1]");

		this.server.answer(events(Duration.ofSeconds(3), chunk("[{\"text\": \"15일\"}]", "STOP")));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider(Duration.ofSeconds(1))))
			.withMessageContaining("first-token timeout");
	}

	@Test
	void aBlockedPromptSaysSo() {
		this.server.answer(events(Duration.ZERO, "data: {\"promptFeedback\": {\"blockReason\": \"SAFETY\"}}\r\n\r\n"));
		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(provider(Duration.ofSeconds(10))))
			.withMessageContaining("refused to answer the prompt: SAFETY");
	}

}
