package dev.protostar.worker.embedding;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which model turns chunks into vectors (environment: PROTOSTAR_EMBEDDING_*, see
 * application.properties). Changing the model re-embeds every document.
 *
 * @param provider {@code onnx}: the in-process all-MiniLM-L6-v2 (English-centric, 384
 * dimensions, no server needed); {@code openai}: an OpenAI-compatible server
 * @param batchSize texts per embedding call, and chunks per database transaction
 * @param threads texts the ONNX model embeds at once; 0: one per CPU core
 * @param createIndex create the configured model's HNSW index at start-up when missing
 * (the default model's index comes with the schema)
 * @param openai the OpenAI-compatible server
 */
@Validated
@ConfigurationProperties("protostar.embedding")
public record EmbeddingProperties(
		@DefaultValue("onnx") Provider provider,
		@DefaultValue("32") @Min(1) @Max(2048) int batchSize,
		@DefaultValue("0") @Min(0) @Max(64) int threads,
		@DefaultValue("true") boolean createIndex,
		@DefaultValue @Valid OpenAi openai) {

	public enum Provider {

		ONNX, OPENAI

	}

	/**
	 * @param baseUrl the API's base URL, to which {@code /embeddings} is added, e.g.
	 * {@code http://ollama:11434/v1}
	 * @param apiKey sent as a bearer token when set
	 * @param model the model's name on that server, recorded with every chunk
	 * @param dimension the model's vector length (bge-m3: 1024, multilingual-e5-base:
	 * 768); every answer is checked against it
	 * @param timeout how long one request may take
	 */
	public record OpenAi(
			@DefaultValue("http://localhost:11434/v1") String baseUrl,
			@DefaultValue("") String apiKey,
			@DefaultValue("") String model,
			@DefaultValue("0") @Min(0) @Max(16000) int dimension,
			@DefaultValue("60s") Duration timeout) {
	}

}
