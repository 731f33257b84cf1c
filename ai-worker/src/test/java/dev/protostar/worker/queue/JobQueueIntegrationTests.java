package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import dev.protostar.worker.queue.JobQueue.FailOutcome;

import static dev.protostar.worker.queue.QueueFixture.chatPayload;
import static dev.protostar.worker.queue.QueueFixture.ingestionPayload;
import static dev.protostar.worker.queue.QueueFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The queue's scripts against a real Redis, one state change at a time (no worker). */
@Testcontainers
class JobQueueIntegrationTests {

	@Container
	static final GenericContainer<?> redis = QueueFixture.redisContainer();

	static QueueFixture fixture;

	JobQueue queue;

	@BeforeAll
	static void connect() {
		fixture = QueueFixture.on(redis);
	}

	@AfterAll
	static void disconnect() {
		fixture.close();
	}

	@BeforeEach
	void emptyRedis() {
		fixture.flush();
		this.queue = fixture.queue(settings());
	}

	@Test
	void enqueuedJobIsClaimedOnceThenCompleted() {
		assertThat(this.queue.enqueue("j1", "chat", chatPayload("j1", "u1"))).isTrue();
		assertThat(this.queue.job("j1")).containsEntry("state", "waiting").containsEntry("v", "1");

		List<Job> claimed = this.queue.claim("w1", 5);
		assertThat(claimed).singleElement().satisfies((job) -> {
			assertThat(job.id()).isEqualTo("j1");
			assertThat(job.type()).isEqualTo("chat");
			assertThat(job.attempt()).isEqualTo(1);
			assertThat(job.maxAttempts()).isEqualTo(5);
			assertThat(job.lease()).isEqualTo("w1:1");
			assertThat(job.payload()).contains("\"userId\":\"u1\"");
			assertThat(job.claimedAt()).isGreaterThanOrEqualTo(job.enqueuedAt());
		});
		assertThat(this.queue.claim("w2", 5)).isEmpty();
		assertThat(this.queue.job("j1")).containsEntry("state", "active").containsEntry("worker", "w1");
		assertThat(this.queue.stats().active()).isEqualTo(1);

		assertThat(this.queue.complete(claimed.get(0))).isTrue();
		assertThat(this.queue.job("j1")).containsEntry("state", "completed").doesNotContainKey("payload");
		assertThat(fixture.redis.getExpire("protostar:jobs:job:j1")).isPositive();
		QueueStats stats = this.queue.stats();
		assertThat(stats.active()).isZero();
		assertThat(stats.total("completed")).isEqualTo(1);
		assertThat(this.queue.complete(claimed.get(0))).as("a second complete").isFalse();
	}

	@Test
	void sameJobIdIsEnqueuedOnceEvenAfterItCompleted() {
		assertThat(this.queue.enqueue("dup", "chat", chatPayload("dup", "u1"))).isTrue();
		assertThat(this.queue.enqueue("dup", "chat", chatPayload("dup", "u1"))).isFalse();
		assertThat(this.queue.stats().waiting("chat")).isEqualTo(1);
		this.queue.complete(this.queue.claim("w1", 5).get(0));
		assertThat(this.queue.enqueue("dup", "chat", chatPayload("dup", "u1"))).isFalse();
		assertThat(this.queue.claim("w1", 5)).isEmpty();
	}

	@Test
	void chatJobsAreClaimedBeforeIngestionJobsInArrivalOrder() {
		this.queue.enqueue("i1", "ingestion", ingestionPayload("i1"));
		this.queue.enqueue("i2", "ingestion", ingestionPayload("i2"));
		this.queue.enqueue("c1", "chat", chatPayload("c1", "u1"));
		this.queue.enqueue("c2", "chat", chatPayload("c2", "u1"));

		assertThat(this.queue.claim("w1", 1)).extracting(Job::id).containsExactly("c1");
		assertThat(this.queue.claim("w1", 3)).extracting(Job::id).containsExactly("c2", "i1", "i2");
	}

	@Test
	void malformedIdsAndTypesAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.queue.enqueue("a b", "chat", "{}"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.queue.enqueue("-x", "chat", "{}"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.queue.enqueue("x".repeat(129), "chat", "{}"));
		// The script checks too: a producer that skips the client-side check is refused.
		assertThatException().isThrownBy(() -> this.queue.enqueue("ok", "Chat Jobs", "{}"))
			.withStackTraceContaining("invalid job type");
		assertThat(this.queue.stats().waiting("chat")).isZero();
	}

	@Test
	void retryableFailureWaitsForItsDelayThenRunsAgain() throws Exception {
		this.queue.enqueue("r1", "chat", chatPayload("r1", "u1"));
		Job first = this.queue.claim("w1", 1).get(0);

		assertThat(this.queue.fail(first, "IOException: timeout", true, Duration.ofMillis(300)))
			.isEqualTo(FailOutcome.RETRY);
		assertThat(this.queue.job("r1")).containsEntry("state", "delayed")
			.containsEntry("lastError", "IOException: timeout");
		assertThat(this.queue.maintain().promoted()).as("promoted before it is due").isZero();
		assertThat(this.queue.claim("w1", 1)).isEmpty();

		QueueFixture.await(Duration.ofSeconds(10), "the retry is due",
				() -> this.queue.maintain().promoted() == 1);
		Job second = this.queue.claim("w1", 1).get(0);
		assertThat(second.attempt()).isEqualTo(2);
		assertThat(second.lease()).isEqualTo("w1:2");
		assertThat(this.queue.stats().total("retried")).isEqualTo(1);
	}

	@Test
	void nonRetryableFailureIsDeadAtOnceAndExhaustedRetriesToo() {
		this.queue.enqueue("n1", "chat", chatPayload("n1", "u1"));
		this.queue.enqueue("e1", "chat", chatPayload("e1", "u1"), 1);
		List<Job> jobs = this.queue.claim("w1", 2);

		assertThat(this.queue.fail(jobs.get(0), "bad payload", false, Duration.ZERO)).isEqualTo(FailOutcome.DEAD);
		assertThat(this.queue.fail(jobs.get(1), "IOException", true, Duration.ZERO)).isEqualTo(FailOutcome.DEAD);
		assertThat(this.queue.job("n1")).containsEntry("state", "dead").containsEntry("attempts", "1");
		QueueStats stats = this.queue.stats();
		assertThat(stats.dead()).isEqualTo(2);
		assertThat(stats.delayed()).isZero();
	}

	@Test
	void jobOfAWorkerThatStoppedRenewingItsLeaseIsTakenOver() throws Exception {
		// Long enough that the first maintain() surely comes before the lease's end.
		JobQueue shortLeases = fixture.queue(settings().lease(Duration.ofSeconds(3), Duration.ofMillis(500)));
		shortLeases.enqueue("s1", "chat", chatPayload("s1", "u1"));
		Job ghosts = shortLeases.claim("ghost", 1).get(0);
		assertThat(shortLeases.maintain().recovered()).as("recovered while the lease runs").isZero();

		QueueFixture.await(Duration.ofSeconds(10), "the lease expired and the job was recovered",
				() -> shortLeases.maintain().recovered() == 1);
		assertThat(shortLeases.job("s1")).containsEntry("state", "waiting")
			.hasEntrySatisfying("lastError", (error) -> assertThat(error).contains("lease expired", "ghost"));
		Job taken = shortLeases.claim("alive", 1).get(0);
		assertThat(taken.attempt()).isEqualTo(2);

		assertThat(shortLeases.complete(ghosts)).as("the ghost's late result").isFalse();
		assertThat(shortLeases.fail(ghosts, "late", true, Duration.ZERO)).isEqualTo(FailOutcome.LEASE_LOST);
		assertThat(shortLeases.extend(List.of(ghosts))).containsExactly("s1");
		assertThat(shortLeases.complete(taken)).isTrue();
		assertThat(shortLeases.stats().total("recovered")).isEqualTo(1);
	}

	@Test
	void renewedLeaseIsNotTakenOver() throws Exception {
		// Driven step by step against Redis's clock: renewed a second before its end, the
		// lease is checked once its first deadline has passed, with two seconds to spare.
		Duration lease = Duration.ofSeconds(3);
		JobQueue queue = fixture.queue(settings().lease(lease, Duration.ofMillis(500)));
		queue.enqueue("l1", "chat", chatPayload("l1", "u1"));
		Job job = queue.claim("w1", 1).get(0);
		long firstDeadline = fixture.leaseDeadline("l1");
		QueueFixture.await(Duration.ofSeconds(10), "a second before the lease ends",
				() -> fixture.redisTimeMillis() >= firstDeadline - 1000);

		assertThat(queue.extend(List.of(job))).as("leases lost").isEmpty();
		assertThat(fixture.leaseDeadline("l1")).isGreaterThanOrEqualTo(firstDeadline + 1000);
		QueueFixture.await(Duration.ofSeconds(10), "the first lease is over",
				() -> fixture.redisTimeMillis() > firstDeadline);

		assertThat(queue.maintain().recovered()).as("recovered after the first deadline").isZero();
		assertThat(queue.job("l1")).containsEntry("state", "active").containsEntry("worker", "w1");
		assertThat(queue.complete(job)).isTrue();
	}

	@Test
	void lastAttemptWhoseLeaseExpiresIsDeadLettered() {
		JobQueue shortLeases = fixture.queue(settings().lease(Duration.ofMillis(200), Duration.ofMillis(50)));
		shortLeases.enqueue("k1", "chat", chatPayload("k1", "u1"), 1);
		shortLeases.claim("ghost", 1);
		QueueFixture.await(Duration.ofSeconds(10), "the expired last attempt was dead-lettered",
				() -> shortLeases.maintain().deadLettered() == 1);
		assertThat(shortLeases.job("k1")).containsEntry("state", "dead");
		assertThat(shortLeases.deadLetters(10).jobs()).extracting(JobQueue.DeadJob::id).containsExactly("k1");
	}

	@Test
	void releasedJobGoesBackToTheFrontWithoutCountingTheAttempt() {
		this.queue.enqueue("a", "chat", chatPayload("a", "u1"));
		this.queue.enqueue("b", "chat", chatPayload("b", "u1"));
		Job a = this.queue.claim("w1", 1).get(0);

		assertThat(this.queue.release(List.of(a))).isEqualTo(1);
		assertThat(this.queue.job("a")).containsEntry("state", "waiting").containsEntry("attempts", "0");
		Job again = this.queue.claim("w2", 1).get(0);
		assertThat(again.id()).isEqualTo("a");
		assertThat(again.attempt()).isEqualTo(1);
		assertThat(this.queue.complete(a)).as("the released lease").isFalse();
	}

	@Test
	void deadLettersAreListedReplayedAndPurged() {
		for (String id : List.of("d1", "d2", "d3")) {
			this.queue.enqueue(id, "chat", chatPayload(id, "u1"));
			this.queue.fail(this.queue.claim("w1", 1).get(0), "boom\nwith a second line " + id, false,
					Duration.ZERO);
		}
		JobQueue.DeadLetters dead = this.queue.deadLetters(2);
		assertThat(dead.total()).isEqualTo(3);
		assertThat(dead.jobs()).hasSize(2).allSatisfy((job) -> {
			assertThat(job.type()).isEqualTo("chat");
			assertThat(job.attempts()).isEqualTo(1);
			assertThat(job.lastError()).startsWith("boom with a second line").doesNotContain("\n");
		});

		assertThat(this.queue.replay("d1")).isTrue();
		assertThat(this.queue.replay("d1")).as("no longer dead").isFalse();
		assertThat(this.queue.replay("nope")).isFalse();
		assertThat(this.queue.job("d1")).containsEntry("state", "waiting").containsEntry("attempts", "0");
		Job replayed = this.queue.claim("w1", 1).get(0);
		assertThat(replayed.id()).isEqualTo("d1");
		assertThat(replayed.attempt()).isEqualTo(1);

		assertThat(this.queue.purgeDeadLetters()).isEqualTo(2);
		assertThat(this.queue.deadLetters(10).total()).isZero();
		assertThat(this.queue.job("d2")).isEmpty();
		assertThat(this.queue.job("d1")).as("replayed, so not purged").isNotEmpty();
	}

	@Test
	void statsReportDepthAndTheOldestWaitingJobsAge() throws Exception {
		this.queue.enqueue("o1", "ingestion", ingestionPayload("o1"));
		Thread.sleep(120);
		this.queue.enqueue("o2", "ingestion", ingestionPayload("o2"));
		QueueStats stats = this.queue.stats();
		assertThat(stats.waiting("ingestion")).isEqualTo(2);
		assertThat(stats.waiting("chat")).isZero();
		assertThat(stats.oldestAgeMs("ingestion")).isGreaterThanOrEqualTo(100);
		assertThat(stats.oldestAgeMs("chat")).isEqualTo(-1);
		assertThat(stats.total("enqueued")).isEqualTo(2);
	}

}
