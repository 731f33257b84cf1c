package dev.protostar.worker.answer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.function.Consumer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the remote providers share: one POST whose answer streams as server-sent
 * events, each a JSON chunk carrying the next piece of text, under the time limits of
 * {@link ModelResponseStream}. A stream must end as its protocol says an answer ends;
 * one that stops before (the connection dropped, the server died) is a failure, not a
 * short answer. An answer with no text at all is a failure too.
 */
abstract class StreamingAnswerProvider implements AnswerProvider {

	static final JsonMapper JSON = JsonMapper.builder().build();

	/**
	 * What one event of the stream said.
	 *
	 * @param text the next piece of the answer (may be empty)
	 * @param alive the model is working on the answer even without text (reasoning):
	 * the first-token limit is met
	 * @param complete the answer is whole (a finish reason)
	 * @param last nothing more is to be read (OpenAI's {@code [DONE]})
	 */
	record Chunk(String text, boolean alive, boolean complete, boolean last) {

		static final Chunk NOTHING = new Chunk("", false, false, false);

	}

	private final HttpClient http;

	private final Duration firstTokenTimeout;

	private final Duration timeout;

	/** Where answers are asked for. */
	final URI endpoint;

	/** The key; blank: none. */
	final String apiKey;

	final String model;

	final double temperature;

	final int maxTokens;

	StreamingAnswerProvider(RemoteSettings settings, URI endpoint) {
		this.endpoint = endpoint;
		this.apiKey = settings.apiKey();
		this.model = settings.model();
		this.temperature = settings.temperature();
		this.maxTokens = settings.maxTokens();
		this.firstTokenTimeout = settings.firstTokenTimeout();
		this.timeout = settings.timeout();
		// HTTP/1.1: every server these providers target speaks it, and a cancelled answer
		// then simply closes its connection.
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(settings.connectTimeout())
			.build();
	}

	/**
	 * The settings of a remote provider.
	 *
	 * @param baseUrl the API's base URL, without a trailing slash
	 * @param apiKey the key; blank: none is sent
	 * @param model the model's name at that API
	 * @param temperature sampling temperature (low: answers stick to the passages)
	 * @param maxTokens the longest answer, in the model's tokens
	 */
	record RemoteSettings(String baseUrl, String apiKey, String model, double temperature, int maxTokens,
			Duration connectTimeout, Duration firstTokenTimeout, Duration timeout) {

		RemoteSettings {
			baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
		}

	}

	/** Adds the key to a request, the way the API wants it. */
	abstract void authorize(HttpRequest.Builder request);

	/** The request body, as JSON. */
	abstract Object body(AnswerRequest request);

	/**
	 * Reads one event's data.
	 * @throws AnswerException when it says the answer failed
	 * @throws JacksonException when it is not JSON
	 */
	abstract Chunk chunk(String data);

	/** The endpoint as operators configured it, for messages (never with the key). */
	String where() {
		return this.endpoint.toString();
	}

	@Override
	public Answer answer(AnswerRequest request, Consumer<String> tokens) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(this.endpoint)
			.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body(request))))
			.header("Content-Type", "application/json")
			.header("Accept", "text/event-stream");
		authorize(builder);
		HttpRequest http = builder.build();
		StringBuilder text = new StringBuilder();
		boolean complete = false;
		try (ModelResponseStream events = ModelResponseStream.open(this.http, http, where(), this.firstTokenTimeout,
				this.timeout)) {
			String data;
			while ((data = events.next()) != null) {
				Chunk chunk;
				try {
					chunk = chunk(data);
				}
				catch (JacksonException ex) {
					throw malformed(data, ex);
				}
				if (chunk.alive() || !chunk.text().isEmpty()) {
					events.tokenArrived();
				}
				if (!chunk.text().isEmpty()) {
					text.append(chunk.text());
					tokens.accept(chunk.text());
				}
				complete |= chunk.complete();
				if (chunk.last()) {
					break;
				}
			}
		}
		if (!complete) {
			throw AnswerException.unavailable(where() + " ended the stream before the answer was finished", null);
		}
		if (text.isEmpty()) {
			throw AnswerException.unavailable(where() + " finished without any text", null);
		}
		String answer = text.toString();
		return new Answer(answer, Citations.cited(answer, request.passages()), name(), this.model);
	}

	/** The chunk as a JSON object; anything else is malformed. */
	JsonNode object(String data) {
		JsonNode node = JSON.readTree(data);
		if (node == null || !node.isObject()) {
			throw malformed(data, null);
		}
		return node;
	}

	/** An {@code error} object in a chunk: the server gave up in the middle of the answer (both APIs do this). */
	void failOnError(JsonNode chunk) {
		JsonNode error = chunk.get("error");
		if (error != null && !error.isNull()) {
			String message = error.path("message").isString() ? error.path("message").asString() : error.toString();
			throw AnswerException.unavailable(
					where() + " failed in the middle of the answer: " + Citations.excerpt(message, 300), null);
		}
	}

	AnswerException malformed(String data, Throwable cause) {
		return AnswerException.unavailable(where() + " sent a malformed chunk: " + Citations.excerpt(data, 200), cause);
	}

}
