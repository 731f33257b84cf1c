package dev.protostar.worker.queue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BackoffTests {

	private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.5);

	@Test
	void delayDoublesPerAttemptWithinTheJitterBand() {
		for (int attempt = 1; attempt <= 6; attempt++) {
			long full = 1000L << (attempt - 1);
			assertThat(this.backoff.delay(attempt, () -> 0.0)).isEqualTo(Duration.ofMillis(full / 2));
			assertThat(this.backoff.delay(attempt, () -> 0.999999).toMillis()).isBetween(full - 1, full);
			assertThat(this.backoff.delay(attempt, () -> 0.5)).isEqualTo(Duration.ofMillis(full * 3 / 4));
		}
	}

	@Test
	void delayIsCappedAtTheMaximumEvenForHugeAttemptCounts() {
		assertThat(this.backoff.delay(7, () -> 0.999999).toMillis()).isBetween(59_999L, 60_000L);
		assertThat(this.backoff.delay(1_000_000, () -> 0.0)).isEqualTo(Duration.ofSeconds(30));
		assertThat(this.backoff.delay(0, () -> 0.0)).as("attempt 0 counts as the first").isEqualTo(Duration.ofMillis(500));
	}

	@Test
	void randomDelaysStayWithinTheirBounds() {
		java.util.Random random = new java.util.Random(42);
		for (int i = 0; i < 10_000; i++) {
			int attempt = 1 + random.nextInt(10);
			long full = Math.min(60_000, 1000L << (attempt - 1));
			assertThat(this.backoff.delay(attempt, random::nextDouble).toMillis()).isBetween(full / 2, full);
		}
	}

	@Test
	void noJitterIsExactAndFullJitterReachesZero() {
		Backoff exact = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0);
		assertThat(exact.delay(3, () -> 0.7)).isEqualTo(Duration.ofMillis(400));
		Backoff full = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 1);
		assertThat(full.delay(3, () -> 0.0)).isEqualTo(Duration.ZERO);
		assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ZERO, Duration.ZERO, 1.5));
	}

}
