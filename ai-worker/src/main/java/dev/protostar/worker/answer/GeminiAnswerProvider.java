package dev.protostar.worker.answer;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * Google's Gemini API:
 * {@code POST <base-url>/v1beta/models/<model>:streamGenerateContent?alt=sse} with the
 * key in {@code x-goog-api-key}. With {@code alt=sse} the answer streams as
 * server-sent events whose data are {@code GenerateContentResponse} objects: the text
 * is in {@code candidates[0].content.parts[*].text} (parts marked {@code thought} are
 * the model's reasoning, not the answer), the last one has a {@code finishReason}, and
 * the stream ends with the connection (there is no end marker). The system
 * instruction goes in {@code systemInstruction}, earlier turns in {@code contents} with
 * the roles {@code user} and {@code model}.
 */
class GeminiAnswerProvider extends StreamingAnswerProvider {

	static final String NAME = "gemini";

	/** Google's endpoint; another base URL serves a proxy or a compatible gateway. */
	static final String DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

	GeminiAnswerProvider(RemoteSettings settings) {
		super(settings, URI.create(settings.baseUrl() + "/v1beta/models/"
				+ URLEncoder.encode(settings.model().replaceFirst("^models/", ""), StandardCharsets.UTF_8)
				+ ":streamGenerateContent?alt=sse"));
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	void authorize(HttpRequest.Builder request) {
		request.header("x-goog-api-key", this.apiKey);
	}

	@Override
	Object body(AnswerRequest request) {
		List<Map<String, Object>> contents = new ArrayList<>();
		for (AnswerRequest.Turn turn : request.history()) {
			contents.add(content(turn.fromUser() ? "user" : "model", Prompts.earlier(turn)));
		}
		contents.add(content("user", request.question()));
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("systemInstruction", Map.of("parts", List.of(Map.of("text", Prompts.system(request.passages())))));
		body.put("contents", contents);
		body.put("generationConfig", Map.of("temperature", this.temperature, "maxOutputTokens", this.maxTokens));
		return body;
	}

	private static Map<String, Object> content(String role, String text) {
		return Map.of("role", role, "parts", List.of(Map.of("text", text)));
	}

	@Override
	Chunk chunk(String data) {
		JsonNode chunk = object(data);
		failOnError(chunk);
		JsonNode blocked = chunk.path("promptFeedback").path("blockReason");
		if (blocked.isString()) {
			throw AnswerException.unavailable(where() + " refused to answer the prompt: " + blocked.asString(), null);
		}
		JsonNode candidate = chunk.path("candidates").path(0);
		StringBuilder text = new StringBuilder();
		boolean thinking = false;
		for (JsonNode part : candidate.path("content").path("parts")) {
			if (part.path("thought").asBoolean(false)) {
				thinking = true;
			}
			else if (part.path("text").isString()) {
				text.append(part.path("text").asString());
			}
		}
		return new Chunk(text.toString(), thinking, candidate.path("finishReason").isString(), false);
	}

}
