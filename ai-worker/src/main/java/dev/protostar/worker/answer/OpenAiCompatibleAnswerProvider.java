package dev.protostar.worker.answer;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * An OpenAI-compatible chat server: {@code POST <base-url>/chat/completions} with
 * {@code "stream": true}, as served by vLLM, Ollama ({@code http://ollama:11434/v1}),
 * llama.cpp, LiteLLM and OpenAI itself. The answer streams as server-sent events whose
 * data are {@code chat.completion.chunk} objects; the text is in
 * {@code choices[0].delta.content}, a chunk with a {@code finish_reason} closes the
 * answer and {@code data: [DONE]} the stream. An error in the middle of a stream
 * comes as a chunk with an {@code error} object (vLLM). The key, when set, is sent as
 * a bearer token (Ollama and vLLM need none).
 */
class OpenAiCompatibleAnswerProvider extends StreamingAnswerProvider {

	static final String NAME = "openai";

	OpenAiCompatibleAnswerProvider(RemoteSettings settings) {
		super(settings, URI.create(settings.baseUrl() + "/chat/completions"));
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	void authorize(HttpRequest.Builder request) {
		if (!this.apiKey.isBlank()) {
			request.header("Authorization", "Bearer " + this.apiKey);
		}
	}

	@Override
	Object body(AnswerRequest request) {
		List<Map<String, String>> messages = new ArrayList<>();
		messages.add(Map.of("role", "system", "content", Prompts.system(request.passages())));
		for (AnswerRequest.Turn turn : request.history()) {
			messages.add(Map.of("role", turn.fromUser() ? "user" : "assistant", "content", Prompts.earlier(turn)));
		}
		messages.add(Map.of("role", "user", "content", request.question()));
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("model", this.model);
		body.put("messages", messages);
		body.put("stream", true);
		body.put("temperature", this.temperature);
		body.put("max_tokens", this.maxTokens);
		return body;
	}

	@Override
	Chunk chunk(String data) {
		if (data.strip().equals("[DONE]")) {
			return new Chunk("", false, true, true);
		}
		JsonNode chunk = object(data);
		failOnError(chunk);
		// Chunks without choices carry usage only.
		JsonNode choice = chunk.path("choices").path(0);
		JsonNode delta = choice.path("delta");
		String text = delta.path("content").isString() ? delta.path("content").asString() : "";
		// Reasoning models (vLLM's reasoning parsers) think aloud before the answer.
		boolean reasoning = delta.path("reasoning_content").isString() && !delta.path("reasoning_content").asString().isEmpty();
		boolean finished = choice.path("finish_reason").isString();
		return new Chunk(text, reasoning, finished, false);
	}

}
