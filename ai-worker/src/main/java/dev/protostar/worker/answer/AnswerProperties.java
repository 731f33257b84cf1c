package dev.protostar.worker.answer;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who writes the answers (environment: PROTOSTAR_ANSWER_*, which Compose fills from the
 * ANSWER_* variables of .env; see application.properties).
 *
 * @param provider {@code offline}: quotes the passages, no model or network (the
 * default); {@code openai}: an OpenAI-compatible chat server (vLLM, Ollama, OpenAI);
 * {@code gemini}: Google's Gemini API
 * @param baseUrl the API's base URL: required for {@code openai}, e.g.
 * {@code http://vllm:8000/v1} ({@code /chat/completions} is added); for {@code gemini}
 * empty means Google's endpoint
 * @param apiKey the key: sent as a bearer token to {@code openai} when set (Ollama and
 * vLLM need none), required for {@code gemini}
 * @param model the model's name at that API: required for both remote providers
 * @param connectTimeout how long connecting may take
 * @param firstTokenTimeout how long the first token may take, from sending the question
 * (a model that is loading or overloaded)
 * @param timeout how long a whole answer may take
 * @param temperature sampling temperature; low keeps answers close to the passages
 * @param maxTokens the longest answer, in the model's tokens
 * @param passages passages retrieved for each question (and numbered for citation)
 * @param history earlier messages of the conversation a remote model sees (follow-up
 * questions); 0: none
 * @param breaker when to stop asking a failing remote provider
 */
@Validated
@ConfigurationProperties("protostar.answer")
public record AnswerProperties(
		@DefaultValue("offline") Provider provider,
		@DefaultValue("") String baseUrl,
		@DefaultValue("") String apiKey,
		@DefaultValue("") String model,
		@DefaultValue("5s") Duration connectTimeout,
		@DefaultValue("30s") Duration firstTokenTimeout,
		@DefaultValue("120s") Duration timeout,
		@DefaultValue("0.2") @DecimalMin("0") @DecimalMax("2") double temperature,
		@DefaultValue("1024") @Min(16) @Max(32768) int maxTokens,
		@DefaultValue("5") @Min(1) @Max(20) int passages,
		@DefaultValue("6") @Min(0) @Max(50) int history,
		@DefaultValue @Valid Breaker breaker) {

	public enum Provider {

		OFFLINE, OPENAI, GEMINI

	}

	/**
	 * @param failureThreshold failures in a row that open the breaker
	 * @param openFor how long an open breaker refuses calls before one trial goes through
	 */
	public record Breaker(
			@DefaultValue("5") @Min(1) @Max(1000) int failureThreshold,
			@DefaultValue("30s") Duration openFor) {
	}

	@Override
	public String toString() {
		// Keep the key out of logs and failure reports.
		return "AnswerProperties[provider=" + this.provider + ", baseUrl=" + this.baseUrl + ", model=" + this.model
				+ ", apiKey=" + (this.apiKey.isBlank() ? "" : "***") + "]";
	}

}
