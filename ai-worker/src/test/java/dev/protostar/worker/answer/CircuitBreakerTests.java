package dev.protostar.worker.answer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.protostar.worker.answer.CircuitBreaker.State;

import static org.assertj.core.api.Assertions.assertThat;

/** The breaker with a clock the test moves. */
class CircuitBreakerTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30), this.now::get);

	private void fail(int times) {
		for (int i = 0; i < times; i++) {
			assertThat(this.breaker.tryAcquire()).isTrue();
			this.breaker.failure();
		}
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
	}

	@Test
	void opensAfterTheThresholdOfFailuresInARow() {
		fail(2);
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		fail(1);
		assertThat(this.breaker.state()).isEqualTo(State.OPEN);
		assertThat(this.breaker.tryAcquire()).isFalse();
	}

	@Test
	void aSuccessResetsTheCount() {
		fail(2);
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.success();
		fail(2);
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
	}

	@Test
	void afterTheCoolDownOneTrialGoesThroughAndOthersAreStillRefused() {
		fail(3);
		advance(Duration.ofSeconds(29));
		assertThat(this.breaker.tryAcquire()).isFalse();
		advance(Duration.ofSeconds(1));
		assertThat(this.breaker.state()).isEqualTo(State.HALF_OPEN);
		assertThat(this.breaker.tryAcquire()).as("the trial").isTrue();
		assertThat(this.breaker.tryAcquire()).as("while the trial runs").isFalse();
	}

	@Test
	void aSuccessfulTrialClosesIt() {
		fail(3);
		advance(Duration.ofSeconds(30));
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.success();
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		assertThat(this.breaker.tryAcquire()).isTrue();
		assertThat(this.breaker.tryAcquire()).isTrue();
	}

	@Test
	void aFailedTrialOpensItForAnotherCoolDown() {
		fail(3);
		advance(Duration.ofSeconds(30));
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.failure();
		assertThat(this.breaker.state()).isEqualTo(State.OPEN);
		advance(Duration.ofSeconds(29));
		assertThat(this.breaker.tryAcquire()).isFalse();
		advance(Duration.ofSeconds(1));
		assertThat(this.breaker.tryAcquire()).isTrue();
	}

	@Test
	void anAbandonedTrialLetsTheNextCallTry() {
		fail(3);
		advance(Duration.ofSeconds(30));
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.abandon();
		assertThat(this.breaker.state()).isEqualTo(State.HALF_OPEN);
		assertThat(this.breaker.tryAcquire()).isTrue();
	}

}
