package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: the delay after attempt n is
 * {@code min(max, base * 2^(n-1))}, of which the {@code jitter} share is random. With
 * jitter 0.5 and base 1 s the retries come after 0.5–1 s, 1–2 s, 2–4 s, ... Jitter
 * spreads out jobs that failed together (an LLM endpoint down for a minute) so they do
 * not all retry in the same instant.
 */
record Backoff(Duration base, Duration max, double jitter) {

	Backoff {
		if (jitter < 0 || jitter > 1) {
			throw new IllegalArgumentException("jitter must be within 0..1, was " + jitter);
		}
	}

	/**
	 * @param attempt the attempt that failed, from 1
	 * @param random a value in [0, 1)
	 */
	Duration delay(int attempt, DoubleSupplier random) {
		int exponent = Math.min(Math.max(attempt, 1) - 1, 30);
		double full = Math.min((double) this.max.toMillis(), this.base.toMillis() * Math.pow(2, exponent));
		double delay = full * (1 - this.jitter) + full * this.jitter * random.getAsDouble();
		return Duration.ofMillis(Math.round(delay));
	}

}
