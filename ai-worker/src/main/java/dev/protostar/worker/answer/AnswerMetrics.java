package dev.protostar.worker.answer;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The answers' metrics:
 *
 * <pre>
 * protostar_answer_requests_total{provider,outcome}    answers asked of a provider; outcome: answered |
 *                                                      unavailable | rate_limited | misconfigured | breaker_open
 * protostar_answer_degraded_total{provider}            offline answers given because that provider failed
 * protostar_answer_first_token_seconds{provider}       from the request to the first token
 * protostar_answer_duration_seconds{provider,outcome}  from the request to the end of the answer or the failure
 * protostar_answer_breaker_state{provider}             0 closed, 1 open, 2 half-open (remote providers only)
 * </pre>
 */
class AnswerMetrics {

	private final MeterRegistry registry;

	AnswerMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	void breaker(String provider, CircuitBreaker breaker) {
		Gauge.builder("protostar.answer.breaker.state", breaker, (b) -> b.state().ordinal())
			.description("The answer provider's circuit breaker: 0 closed, 1 open, 2 half-open")
			.tag("provider", provider)
			.register(this.registry);
	}

	void request(String provider, String outcome, long nanos) {
		Counter.builder("protostar.answer.requests")
			.description("Answers asked of a provider, by outcome")
			.tag("provider", provider)
			.tag("outcome", outcome)
			.register(this.registry)
			.increment();
		if (nanos >= 0) {
			Timer.builder("protostar.answer.duration")
				.description("Time from asking a provider to its whole answer or its failure")
				.tag("provider", provider)
				.tag("outcome", outcome)
				.register(this.registry)
				.record(nanos, TimeUnit.NANOSECONDS);
		}
	}

	void firstToken(String provider, long nanos) {
		Timer.builder("protostar.answer.first.token")
			.description("Time from asking a provider to its first token")
			.tag("provider", provider)
			.register(this.registry)
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	void degraded(String provider) {
		Counter.builder("protostar.answer.degraded")
			.description("Offline answers given because the configured provider failed")
			.tag("provider", provider)
			.register(this.registry)
			.increment();
	}

}
