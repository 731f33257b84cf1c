package dev.protostar.worker.answer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.protostar.worker.answer.MockModelServer.events;
import static dev.protostar.worker.answer.MockModelServer.openAiAnswer;
import static dev.protostar.worker.answer.MockModelServer.openAiChunk;
import static dev.protostar.worker.answer.MockModelServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What users get when the remote provider (here a local server speaking the OpenAI
 * protocol) answers, fails, keeps failing or is misconfigured; the breaker's clock is
 * the test's.
 */
class AnswerServiceTests {

	private MockModelServer server;

	private final AtomicLong now = new AtomicLong();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private AnswerService answers;

	/** The events a client would see, "token:…" and "reset:…". */
	private final List<String> seen = new ArrayList<>();

	private final AnswerService.Stream stream = new AnswerService.Stream() {

		@Override
		public void token(String text) {
			AnswerServiceTests.this.seen.add("token:" + text);
		}

		@Override
		public void reset(String resultCode, String message) {
			AnswerServiceTests.this.seen.add("reset:" + resultCode);
		}

	};

	@BeforeEach
	void start() throws IOException {
		this.server = new MockModelServer();
		OpenAiCompatibleAnswerProvider remote = new OpenAiCompatibleAnswerProvider(
				new StreamingAnswerProvider.RemoteSettings(this.server.url("/v1"), "", "m", 0.2, 256,
						Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)));
		this.answers = new AnswerService(remote, new OfflineAnswerProvider(),
				new CircuitBreaker(3, Duration.ofSeconds(30), this.now::get), new AnswerMetrics(this.registry));
	}

	@AfterEach
	void stop() {
		this.server.close();
	}

	private Answer ask(boolean lastAttempt) {
		return this.answers.answer(Passages.ask("How many days of leave do I have?", Passages.leave()), lastAttempt,
				this.stream);
	}

	private double requests(String outcome) {
		var counter = this.registry.find("protostar.answer.requests").tag("provider", "openai").tag("outcome", outcome).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private double breakerState() {
		return this.registry.get("protostar.answer.breaker.state").tag("provider", "openai").gauge().value();
	}

	@Test
	void theRemoteAnswerStreamsAndIsCounted() {
		this.server.answer(events(Duration.ZERO, openAiAnswer("15 days [1]")));

		Answer answer = ask(false);

		assertThat(answer.text()).isEqualTo("15 days [1]");
		assertThat(answer.degraded()).isFalse();
		assertThat(this.seen).containsExactly("token:15 days [1]");
		assertThat(requests("answered")).isEqualTo(1);
		assertThat(this.registry.get("protostar.answer.first.token").tag("provider", "openai").timer().count()).isEqualTo(1);
	}

	@Test
	void withoutPassagesNoModelIsAsked() {
		Answer answer = this.answers.answer(Passages.ask("Anything?", List.of()), false, this.stream);

		assertThat(answer.text()).contains("no indexed document covers");
		assertThat(answer.provider()).isEqualTo("offline");
		assertThat(this.server.requests).isEmpty();
	}

	@Test
	void aFailureBeforeTheLastAttemptIsThrownForARetry() {
		this.server.answer(status(500, "application/json", "{\"error\":{\"message\":\"boom\"}}"));

		assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(false))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue());
		assertThat(requests("unavailable")).isEqualTo(1);
	}

	@Test
	void onTheLastAttemptTheOfflineAnswerStandsInAfterAResetOfTheStreamedTokens() {
		this.server.answer(events(Duration.ZERO, openAiChunk("Every "), openAiChunk("employee")));

		Answer answer = ask(true);

		assertThat(answer.degraded()).isTrue();
		assertThat(answer.resultCode()).isEqualTo("SERVICE_UNAVAILABLE");
		assertThat(answer.provider()).isEqualTo("offline");
		assertThat(answer.citations()).isNotEmpty();
		assertThat(this.seen.subList(0, 3)).containsExactly("token:Every ", "token:employee", "reset:SERVICE_UNAVAILABLE");
		assertThat(String.join("", this.seen.subList(3, this.seen.size()).stream().map((s) -> s.substring(6)).toList()))
			.isEqualTo(answer.text());
		assertThat(this.registry.get("protostar.answer.degraded").tag("provider", "openai").counter().count()).isEqualTo(1);
	}

	@Test
	void aRateLimitOnTheLastAttemptStandsInWithItsOwnCodeAndNoResetWhenNothingWasStreamed() {
		this.server.answer(status(429, "application/json", "{\"error\":{\"message\":\"slow down\"}}"));

		Answer answer = ask(true);

		assertThat(answer.resultCode()).isEqualTo("RATE_LIMITED");
		assertThat(this.seen).noneMatch((event) -> event.startsWith("reset"));
		assertThat(requests("rate_limited")).isEqualTo(1);
	}

	@Test
	void failuresInARowOpenTheBreakerThenAnswersAreOfflineAtOnceUntilATrialSucceeds() {
		this.server.answer(status(502, "text/html", "Bad Gateway"));
		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(false));
		}
		assertThat(this.server.requests).hasSize(3);
		assertThat(breakerState()).isEqualTo(1);

		// Open: not asked, even on a first attempt; the degraded answer at once.
		Answer answer = ask(false);
		assertThat(answer.degraded()).isTrue();
		assertThat(answer.resultCode()).isEqualTo("SERVICE_UNAVAILABLE");
		assertThat(this.server.requests).hasSize(3);
		assertThat(requests("breaker_open")).isEqualTo(1);

		// After the cool-down one trial goes through; it succeeds and closes the breaker.
		this.now.addAndGet(Duration.ofSeconds(30).toNanos());
		this.server.answer(events(Duration.ZERO, openAiAnswer("back [1]")));
		assertThat(ask(false).text()).isEqualTo("back [1]");
		assertThat(this.server.requests).hasSize(4);
		assertThat(breakerState()).isEqualTo(0);
	}

	@Test
	void aMisconfiguredProviderFailsForGoodAndDoesNotOpenTheBreaker() {
		this.server.answer(status(401, "application/json", "{\"error\":{\"message\":\"bad key\"}}"));

		for (int i = 0; i < 4; i++) {
			assertThatExceptionOfType(AnswerException.class).isThrownBy(() -> ask(true))
				.satisfies((ex) -> assertThat(ex.retryable()).isFalse())
				.satisfies((ex) -> assertThat(ex.resultCode()).isEqualTo("INTERNAL_ERROR"));
		}
		assertThat(this.server.requests).hasSize(4);
		assertThat(breakerState()).isEqualTo(0);
		assertThat(requests("misconfigured")).isEqualTo(4);
	}

}
