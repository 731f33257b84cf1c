package dev.protostar.worker.answer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers with the configured provider, and decides what the user gets when it fails.
 * <ul>
 * <li><b>No passages:</b> the offline answer that no indexed document covers the
 * question; no model is asked, because an answer with nothing to ground it in would be
 * made up.</li>
 * <li><b>Offline provider</b> (the default): the passages quoted, with citations.</li>
 * <li><b>Remote provider answers:</b> its tokens stream as they come.</li>
 * <li><b>Remote provider unavailable</b> (unreachable, timed out, 5xx, 429, cut or
 * unreadable stream): the job is retried with backoff, and the client is told by the
 * queue's {@code retrying} event to start over. On the job's last attempt, the user
 * gets the offline answer from the same passages instead, marked
 * {@code degraded} with the failure's result code ({@code SERVICE_UNAVAILABLE},
 * {@code RATE_LIMITED}); if the failed attempt had streamed tokens already, a
 * {@code reset} comes first, so the client drops them.</li>
 * <li><b>Circuit breaker open</b> (the provider failed {@code failure-threshold}
 * times in a row, less than {@code open-for} ago): the degraded offline answer at
 * once, without calling it; after {@code open-for}, one job tries it again.</li>
 * <li><b>Remote provider misconfigured</b> (401, 403, 404, other 4xx, not an event
 * stream): an error in the log, and the job fails for good with
 * {@code INTERNAL_ERROR}, since no retry and no stand-in fixes a wrong key or model
 * silently; the operator fixes the setting and replays the dead letters.</li>
 * </ul>
 */
public class AnswerService {

	private static final Logger log = LoggerFactory.getLogger(AnswerService.class);

	private final AnswerProvider provider;

	private final OfflineAnswerProvider offline;

	private final CircuitBreaker breaker;

	private final AnswerMetrics metrics;

	/** Where an answer's tokens go, and how a client is told to drop the ones it has. */
	public interface Stream {

		void token(String text);

		/** The tokens streamed so far are void: a stand-in answer follows. */
		void reset(String resultCode, String message);

	}

	/**
	 * @param provider the configured provider; when it is {@code offline} itself,
	 * {@code breaker} is not used
	 */
	AnswerService(AnswerProvider provider, OfflineAnswerProvider offline, CircuitBreaker breaker,
			AnswerMetrics metrics) {
		this.provider = provider;
		this.offline = offline;
		this.breaker = breaker;
		this.metrics = metrics;
		if (provider != offline) {
			metrics.breaker(provider.name(), breaker);
		}
	}

	/**
	 * The service for these settings.
	 * @throws IllegalStateException when a remote provider lacks its URL, model or key,
	 * naming the variables to set
	 */
	public static AnswerService from(AnswerProperties properties, MeterRegistry registry) {
		OfflineAnswerProvider offline = new OfflineAnswerProvider();
		AnswerProvider provider = switch (properties.provider()) {
			case OFFLINE -> offline;
			case OPENAI -> new OpenAiCompatibleAnswerProvider(remote(properties, properties.baseUrl()));
			case GEMINI -> new GeminiAnswerProvider(remote(properties,
					properties.baseUrl().isBlank() ? GeminiAnswerProvider.DEFAULT_BASE_URL : properties.baseUrl()));
		};
		CircuitBreaker breaker = new CircuitBreaker(properties.breaker().failureThreshold(),
				properties.breaker().openFor(), System::nanoTime);
		return new AnswerService(provider, offline, breaker, new AnswerMetrics(registry));
	}

	private static StreamingAnswerProvider.RemoteSettings remote(AnswerProperties properties, String baseUrl) {
		List<String> missing = new ArrayList<>();
		if (baseUrl.isBlank()) {
			missing.add("ANSWER_BASE_URL (protostar.answer.base-url)");
		}
		else if (!baseUrl.matches("https?://[^\\s/]+(/\\S*)?")) {
			missing.add("ANSWER_BASE_URL (protostar.answer.base-url) as an http(s) URL, not '" + baseUrl + "'");
		}
		if (properties.model().isBlank()) {
			missing.add("ANSWER_MODEL (protostar.answer.model)");
		}
		if (properties.provider() == AnswerProperties.Provider.GEMINI && properties.apiKey().isBlank()) {
			missing.add("ANSWER_API_KEY (protostar.answer.api-key)");
		}
		if (!missing.isEmpty()) {
			throw new IllegalStateException("the answer provider " + properties.provider().name().toLowerCase(Locale.ROOT)
					+ " needs " + String.join(", ", missing) + "; or set ANSWER_PROVIDER=offline");
		}
		return new StreamingAnswerProvider.RemoteSettings(baseUrl, properties.apiKey(), properties.model(),
				properties.temperature(), properties.maxTokens(), properties.connectTimeout(),
				properties.firstTokenTimeout(), properties.timeout());
	}

	/** The configured provider's name. */
	public String provider() {
		return this.provider.name();
	}

	/**
	 * @param lastAttempt whether the job has no attempt after this one: a remote failure
	 * then gives the degraded offline answer instead of a retry
	 * @throws AnswerException when the remote provider failed and the job should be
	 * retried ({@link AnswerException#retryable()}) or failed for good
	 */
	public Answer answer(AnswerRequest request, boolean lastAttempt, Stream stream) {
		if (this.provider == this.offline || request.passages().isEmpty()) {
			Answer answer = this.offline.answer(request, stream::token);
			this.metrics.request(OfflineAnswerProvider.NAME, "answered", -1);
			return answer;
		}
		String name = this.provider.name();
		if (!this.breaker.tryAcquire()) {
			this.metrics.request(name, "breaker_open", -1);
			log.warn("Answer provider {} failed repeatedly and is not asked for a while (circuit breaker open):"
					+ " answering offline", name);
			return degraded(request, "SERVICE_UNAVAILABLE", stream);
		}
		long started = System.nanoTime();
		int[] streamed = { 0 };
		try {
			Answer answer = this.provider.answer(request, (text) -> {
				if (streamed[0]++ == 0) {
					this.metrics.firstToken(name, System.nanoTime() - started);
				}
				stream.token(text);
			});
			this.breaker.success();
			this.metrics.request(name, "answered", System.nanoTime() - started);
			return answer;
		}
		catch (AnswerException ex) {
			long took = System.nanoTime() - started;
			if (Thread.currentThread().isInterrupted()) {
				// The worker is shutting down: this says nothing about the provider.
				this.breaker.abandon();
				throw ex;
			}
			if (!ex.retryable()) {
				// It answered, so it is up: the breaker is for outages, not for settings.
				this.breaker.success();
				this.metrics.request(name, "misconfigured", took);
				log.error("Answer provider {} refused the request; fix its settings (ANSWER_*), then replay the"
						+ " dead-lettered chat jobs: {}", name, ex.getMessage());
				throw ex;
			}
			this.breaker.failure();
			this.metrics.request(name, "RATE_LIMITED".equals(ex.resultCode()) ? "rate_limited" : "unavailable", took);
			if (!lastAttempt) {
				log.warn("Answer provider {} failed, the job will be retried: {}", name, ex.getMessage());
				throw ex;
			}
			log.warn("Answer provider {} failed on the job's last attempt, answering offline: {}", name,
					ex.getMessage());
			if (streamed[0] > 0) {
				stream.reset(ex.resultCode(), ex.publicMessage());
			}
			return degraded(request, ex.resultCode(), stream);
		}
		catch (RuntimeException ex) {
			this.breaker.abandon();
			throw ex;
		}
	}

	private Answer degraded(AnswerRequest request, String resultCode, Stream stream) {
		this.metrics.degraded(this.provider.name());
		return this.offline.answer(request, stream::token, true).degraded(resultCode);
	}

}
