package dev.protostar.worker.embedding;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAI-compatible embeddings server ({@code POST <base-url>/embeddings}, as served
 * by OpenAI, Ollama, vLLM, Hugging Face TEI and LiteLLM): the way to multilingual models
 * such as bge-m3 or multilingual-e5. The dimension is configured, because the schema
 * and its index need it before the first answer, and every answer is checked against it.
 *
 * <p>
 * Failures: 408, 429 and 5xx answers, timeouts and connection errors are retryable (the
 * job is retried with backoff); any other 4xx (bad key, unknown model, input too long)
 * or an unusable answer is not.
 */
class OpenAiEmbeddingProvider implements EmbeddingProvider {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final int MAX_ERROR_BODY = 500;

	private final HttpClient http;

	private final URI endpoint;

	private final String apiKey;

	private final String model;

	private final int dimension;

	private final int maxBatchSize;

	private final Duration timeout;

	OpenAiEmbeddingProvider(String baseUrl, String apiKey, String model, int dimension, int maxBatchSize,
			Duration timeout) {
		String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
		this.endpoint = URI.create(base + "/embeddings");
		this.apiKey = apiKey;
		this.model = model;
		this.dimension = dimension;
		this.maxBatchSize = maxBatchSize;
		this.timeout = timeout;
		this.http = HttpClient.newBuilder()
			.connectTimeout(Duration.ofSeconds(Math.min(10, Math.max(1, timeout.toSeconds()))))
			.build();
	}

	@Override
	public String model() {
		return this.model;
	}

	@Override
	public int dimension() {
		return this.dimension;
	}

	@Override
	public int maxBatchSize() {
		return this.maxBatchSize;
	}

	@Override
	public List<Embedding> embed(List<String> texts) {
		if (texts.isEmpty()) {
			return List.of();
		}
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("model", this.model);
		body.put("input", texts);
		body.put("encoding_format", "float");
		HttpRequest.Builder request = HttpRequest.newBuilder(this.endpoint)
			.timeout(this.timeout)
			.header("Content-Type", "application/json")
			.header("Accept", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8));
		if (this.apiKey != null && !this.apiKey.isBlank()) {
			request.header("Authorization", "Bearer " + this.apiKey);
		}
		HttpResponse<String> response;
		try {
			response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		}
		catch (HttpTimeoutException ex) {
			throw new EmbeddingException(where() + " did not answer within " + this.timeout, true, ex);
		}
		catch (IOException ex) {
			throw new EmbeddingException(where() + " is unreachable: " + ex, true, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new EmbeddingException("interrupted while waiting for " + where(), true, ex);
		}
		int status = response.statusCode();
		if (status != 200) {
			boolean retryable = status == 408 || status == 429 || status >= 500;
			throw new EmbeddingException(where() + " answered " + status + ": " + errorText(response.body()),
					retryable);
		}
		return parse(response.body(), texts.size());
	}

	private List<Embedding> parse(String body, int expected) {
		JsonNode root;
		try {
			root = JSON.readTree(body);
		}
		catch (JacksonException ex) {
			throw new EmbeddingException(where() + " answered with something that is not JSON", false, ex);
		}
		JsonNode data = root.get("data");
		if (data == null || !data.isArray() || data.size() != expected) {
			throw new EmbeddingException(where() + " answered " + ((data != null && data.isArray()) ? data.size() : 0)
					+ " embeddings for " + expected + " inputs", false);
		}
		float[][] vectors = new float[expected][];
		for (JsonNode item : data) {
			int index = item.path("index").asInt(-1);
			JsonNode values = item.get("embedding");
			if (index < 0 || index >= expected || vectors[index] != null || values == null || !values.isArray()) {
				throw new EmbeddingException(where() + " answered a malformed embedding (index " + index + ")", false);
			}
			if (values.size() != this.dimension) {
				throw new EmbeddingException("model '" + this.model + "' at " + where() + " returned " + values.size()
						+ " dimensions, configured: " + this.dimension, false);
			}
			float[] vector = new float[values.size()];
			for (int i = 0; i < vector.length; i++) {
				vector[i] = (float) values.get(i).asDouble();
			}
			vectors[index] = vector;
		}
		List<Embedding> result = new ArrayList<>(expected);
		for (float[] vector : vectors) {
			// Usage is reported for the whole request only.
			result.add(new Embedding(vector, -1));
		}
		return result;
	}

	private String where() {
		return this.endpoint.toString();
	}

	/** The server's error message ({"error": {"message": ...}} in OpenAI's format), or the body. */
	private static String errorText(String body) {
		String text = body;
		try {
			JsonNode error = JSON.readTree(body).path("error");
			if (error.isString()) {
				text = error.asString();
			}
			else if (error.path("message").isString()) {
				text = error.path("message").asString();
			}
		}
		catch (JacksonException ex) {
			// not JSON: keep the raw body
		}
		text = text.replaceAll("\\s+", " ").strip();
		return (text.length() > MAX_ERROR_BODY) ? text.substring(0, MAX_ERROR_BODY) + "…" : text;
	}

}
