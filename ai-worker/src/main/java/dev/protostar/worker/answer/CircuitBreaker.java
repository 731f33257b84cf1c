package dev.protostar.worker.answer;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Stops calling an endpoint that keeps failing, so that users get the offline answer
 * at once instead of waiting for timeouts. Closed: calls go through and consecutive
 * failures are counted; {@code failureThreshold} in a row open it. Open: every call
 * is refused until {@code openFor} has passed. Then half-open: one call, the trial, goes
 * through (the others are still refused); its success closes the breaker, its failure
 * opens it for another {@code openFor}.
 * <p>
 * A call is {@link #tryAcquire() acquired} first, then ends in exactly one of
 * {@link #success()}, {@link #failure()} or {@link #abandon()} (no verdict, e.g. the
 * worker is shutting down). Thread-safe. Time comes from {@code nanoTime}, so tests
 * drive it.
 */
final class CircuitBreaker {

	enum State {

		CLOSED, OPEN, HALF_OPEN

	}

	private final int failureThreshold;

	private final long openForNanos;

	private final LongSupplier nanoTime;

	private State state = State.CLOSED;

	private int failures;

	private long openedAt;

	private boolean trialRunning;

	CircuitBreaker(int failureThreshold, Duration openFor, LongSupplier nanoTime) {
		if (failureThreshold < 1) {
			throw new IllegalArgumentException("failureThreshold must be at least 1");
		}
		this.failureThreshold = failureThreshold;
		this.openForNanos = openFor.toNanos();
		this.nanoTime = nanoTime;
	}

	/** Whether a call may go through now; when it may, its outcome must be reported. */
	synchronized boolean tryAcquire() {
		if (this.state == State.OPEN && this.nanoTime.getAsLong() - this.openedAt >= this.openForNanos) {
			this.state = State.HALF_OPEN;
		}
		return switch (this.state) {
			case CLOSED -> true;
			case OPEN -> false;
			case HALF_OPEN -> {
				if (this.trialRunning) {
					yield false;
				}
				this.trialRunning = true;
				yield true;
			}
		};
	}

	synchronized void success() {
		this.failures = 0;
		this.trialRunning = false;
		this.state = State.CLOSED;
	}

	synchronized void failure() {
		this.trialRunning = false;
		this.failures++;
		if (this.state == State.HALF_OPEN || this.failures >= this.failureThreshold) {
			this.state = State.OPEN;
			this.openedAt = this.nanoTime.getAsLong();
		}
	}

	/** The call ended without saying anything about the endpoint; a half-open breaker may try again. */
	synchronized void abandon() {
		this.trialRunning = false;
	}

	/** The state as of now (an open breaker whose time is up reads as half-open). */
	synchronized State state() {
		if (this.state == State.OPEN && this.nanoTime.getAsLong() - this.openedAt >= this.openForNanos) {
			return State.HALF_OPEN;
		}
		return this.state;
	}

}
