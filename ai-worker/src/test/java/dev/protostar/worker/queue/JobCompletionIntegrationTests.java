package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.RedisCallback;

import dev.protostar.contract.queue.JobEvents;

import static dev.protostar.worker.queue.QueueFixture.await;
import static dev.protostar.worker.queue.QueueFixture.chatPayload;
import static dev.protostar.worker.queue.QueueFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Completions recorded in batches, each with its {@code completed} event in the same
 * script call (complete.lua), and the slots and leases around them.
 */
@Testcontainers
class JobCompletionIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@Container
	static final GenericContainer<?> redis = QueueFixture.redisContainer();

	static QueueFixture shared;

	QueueFixture fixture;

	JobQueue producer;

	@BeforeAll
	static void connect() {
		shared = QueueFixture.on(redis);
	}

	@AfterAll
	static void disconnect() {
		shared.close();
	}

	@BeforeEach
	void emptyRedis() {
		shared.flush();
		this.fixture = QueueFixture.on(redis);
		this.producer = this.fixture.queue(settings().worker("producer"));
	}

	@AfterEach
	void stopWorkers() {
		this.fixture.close();
	}

	@Test
	void aCompletionAndItsEventHappenTogetherOrNotAtAll() {
		this.producer.enqueue("held", "chat", chatPayload("held", "u1"));
		this.producer.enqueue("taken", "chat", chatPayload("taken", "u1"));
		List<Job> claimed = this.producer.claim("w1", 2);
		assertThat(claimed).hasSize(2);
		Job held = claimed.stream().filter((job) -> job.id().equals("held")).findFirst().orElseThrow();
		Job taken = claimed.stream().filter((job) -> job.id().equals("taken")).findFirst().orElseThrow();
		// w1 loses the lease of one of them (as to a worker that took it over).
		assertThat(this.producer.release(List.of(taken))).isEqualTo(1);

		JobEvents events = this.fixture.events(settings());
		List<Boolean> recorded = this.producer.complete(List.of(
				new JobQueue.Completion(held, events.address("u1", "held", Map.of("attempt", 1))),
				new JobQueue.Completion(taken, events.address("u1", "taken", Map.of("attempt", 1)))));

		assertThat(recorded).containsExactly(true, false);
		assertThat(this.producer.job("held")).containsEntry("state", "completed").doesNotContainKey("payload");
		assertThat(this.producer.job("taken")).containsEntry("state", "waiting").containsKey("payload");
		assertThat(this.producer.stats().total("completed")).isEqualTo(1);
		assertThat(this.producer.stats().active()).isZero();
		assertThat(userStream("u1")).singleElement().satisfies((record) -> assertThat(record.getValue())
			.containsEntry("v", "1")
			.containsEntry("jobId", "held")
			.containsEntry("event", "completed")
			.containsEntry("data", "{\"jobId\":\"held\",\"attempt\":1}"));
		assertThat(this.fixture.redis.getExpire("protostar:events:user:u1")).isBetween(1L, 300L);
	}

	@Test
	void aJobWithoutAUserCompletesWithoutAnEvent() {
		this.producer.enqueue("quiet", "chat", chatPayload("quiet", "u1"));
		Job job = this.producer.claim("w1", 1).get(0);

		assertThat(this.producer.complete(List.of(new JobQueue.Completion(job, null)))).containsExactly(true);
		assertThat(this.producer.job("quiet")).containsEntry("state", "completed");
		assertThat(this.fixture.redis.hasKey("protostar:events:user:u1")).isFalse();
	}

	@Test
	void theNextJobsComeWithTheCompletionEvenAfterRedisForgotItsScripts() {
		for (String id : List.of("a", "b", "c", "d")) {
			this.producer.enqueue(id, "chat", chatPayload(id, "u1"));
		}
		Job first = this.producer.claim("w1", 1).get(0);
		// As after a Redis restart: the pipeline cannot fall back from NOSCRIPT, so it must not need to.
		this.fixture.redis.execute((RedisCallback<Object>) (connection) -> {
			connection.scriptingCommands().scriptFlush();
			return null;
		});

		JobQueue.Turnover turnover = this.producer.completeAndClaim(List.of(new JobQueue.Completion(first, null)),
				"w1", 2);

		assertThat(turnover.recorded()).containsExactly(true);
		assertThat(turnover.claimed()).extracting(Job::id).containsExactly("b", "c");
		assertThat(turnover.claimed()).allSatisfy((job) -> {
			assertThat(job.attempt()).isEqualTo(1);
			assertThat(job.lease()).startsWith("w1:");
		});
		assertThat(this.producer.job("a")).containsEntry("state", "completed");
		assertThat(this.producer.stats().active()).isEqualTo(2);
		assertThat(this.producer.stats().waiting("chat")).isEqualTo(1);
	}

	@Test
	void aWorkerNeverHoldsMoreJobsThanItHasSlots() {
		int concurrency = 3;
		AtomicInteger running = new AtomicInteger();
		AtomicInteger mostRunning = new AtomicInteger();
		AtomicInteger mostActive = new AtomicInteger();
		TestHandler chat = new TestHandler("chat", (job, context) -> {
			mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
			// Jobs finished but not yet recorded still hold their slot and their lease.
			long active = this.fixture.redis.opsForZSet().zCard("protostar:jobs:active");
			mostActive.accumulateAndGet((int) active, Math::max);
			Thread.sleep(20);
			running.decrementAndGet();
		});
		for (int i = 0; i < 30; i++) {
			this.producer.enqueue("c" + i, "chat", chatPayload("c" + i, "u1"));
		}

		this.fixture.worker(settings().concurrency(concurrency), chat);

		await(WAIT, "30 jobs completed", () -> this.producer.stats().total("completed") == 30);
		assertThat(chat.runs).hasSize(30).doesNotHaveDuplicates();
		assertThat(mostRunning.get()).isEqualTo(concurrency);
		assertThat(mostActive.get()).isBetween(1, concurrency);
		assertThat(userStream("u1")).hasSize(30)
			.allSatisfy((record) -> assertThat(record.getValue()).containsEntry("event", "completed"));
	}

	@Test
	void jobsFinishingTogetherAreEachRecordedOnceWithTheirEvent() throws Exception {
		int jobs = 6;
		CountDownLatch allStarted = new CountDownLatch(jobs);
		CountDownLatch finish = new CountDownLatch(1);
		TestHandler chat = new TestHandler("chat", (job, context) -> {
			context.progress(Map.of("stage", "working"));
			allStarted.countDown();
			finish.await();
		});
		for (int i = 0; i < jobs; i++) {
			this.producer.enqueue("t" + i, "chat", chatPayload("t" + i, "u-" + i));
		}
		JobWorker worker = this.fixture.worker(settings().concurrency(jobs), chat);
		assertThat(allStarted.await(20, TimeUnit.SECONDS)).isTrue();

		finish.countDown(); // all six return at once: the completer takes them in one or few calls

		await(WAIT, "6 jobs completed", () -> this.producer.stats().total("completed") == jobs);
		await(WAIT, "every slot free", () -> worker.inFlight() == 0);
		for (int i = 0; i < jobs; i++) {
			assertThat(userStream("u-" + i)).extracting((record) -> record.getValue().get("event"))
				.containsExactly("progress", "completed");
		}
		assertThat(this.fixture.counter("protostar.queue.jobs.completed", "type", "chat")).isEqualTo(jobs);
		assertThat(this.fixture.meters.find("protostar.queue.job.duration").tags("outcome", "completed").timer()
			.count()).isEqualTo(jobs);
	}

	@Test
	void aResultReturnedAfterTheLeaseWasLostIsIgnoredAndNotAnnounced() throws Exception {
		CountDownLatch firstRunStarted = new CountDownLatch(1);
		CountDownLatch finish = new CountDownLatch(1);
		TestHandler chat = new TestHandler("chat", (job, context) -> {
			firstRunStarted.countDown();
			finish.await();
		});
		this.fixture.worker(settings().concurrency(1), chat);
		this.producer.enqueue("lost", "chat", chatPayload("lost", "u1"));
		assertThat(firstRunStarted.await(20, TimeUnit.SECONDS)).isTrue();
		// The lease goes while the handler runs (as when it expired and another worker took
		// the job over): here it is handed back to the queue under the worker's feet.
		Map<String, String> hash = this.producer.job("lost");
		Job running = new Job("lost", "chat", hash.get("payload"), 1, 5, hash.get("lease"), 0, 0);
		assertThat(this.producer.release(List.of(running))).isEqualTo(1);

		finish.countDown();

		// The worker's single slot frees once the stale result is refused; then it runs the
		// job again, and that run completes.
		await(WAIT, "the job completed", () -> "completed".equals(this.producer.job("lost").get("state")));
		assertThat(chat.runsOf("lost")).isEqualTo(2);
		assertThat(userStream("u1")).singleElement()
			.satisfies((record) -> assertThat(record.getValue()).containsEntry("event", "completed"));
		assertThat(this.fixture.meters.find("protostar.queue.job.duration").tags("outcome", "lost").timer().count())
			.isEqualTo(1);
	}

	@Test
	void jobsClaimedInOneBatchByAWorkerThatDiedAreAllTakenOver() {
		Duration lease = Duration.ofMillis(1000);
		Duration heartbeat = Duration.ofMillis(250);
		for (int i = 0; i < 3; i++) {
			this.producer.enqueue("b" + i, "chat", chatPayload("b" + i, "u1"));
		}
		// A worker claims all three in one call and dies: no heartbeat, no completion.
		JobQueue ghost = this.fixture.queue(settings().worker("ghost").lease(lease, heartbeat));
		assertThat(ghost.claim("ghost", 3)).hasSize(3);

		TestHandler chat = TestHandler.noop("chat");
		this.fixture.worker(settings().worker("alive").concurrency(3).lease(lease, heartbeat), chat);

		await(WAIT, "the three jobs completed", () -> this.producer.stats().total("completed") == 3);
		for (int i = 0; i < 3; i++) {
			assertThat(this.producer.job("b" + i)).containsEntry("state", "completed")
				.containsEntry("worker", "alive")
				.containsEntry("attempts", "2");
		}
		assertThat(this.fixture.counter("protostar.queue.jobs.recovered")).isEqualTo(3);
		assertThat(chat.runs).containsExactlyInAnyOrder("b0", "b1", "b2");
	}

	private List<MapRecord<String, Object, Object>> userStream(String userId) {
		List<MapRecord<String, Object, Object>> records = this.fixture.redis.opsForStream()
			.range("protostar:events:user:" + userId, Range.unbounded());
		return (records != null) ? records : List.of();
	}

}
