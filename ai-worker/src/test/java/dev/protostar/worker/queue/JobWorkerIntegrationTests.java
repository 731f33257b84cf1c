package dev.protostar.worker.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.connection.stream.MapRecord;

import dev.protostar.contract.redis.BlockingRedis;

import static dev.protostar.worker.queue.QueueFixture.await;
import static dev.protostar.worker.queue.QueueFixture.chatPayload;
import static dev.protostar.worker.queue.QueueFixture.ingestionPayload;
import static dev.protostar.worker.queue.QueueFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

/** Workers (real threads, real Redis) running jobs through handlers the tests supply. */
@Testcontainers
class JobWorkerIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@Container
	static final GenericContainer<?> redis = QueueFixture.redisContainer();

	static QueueFixture shared;

	QueueFixture fixture;

	JobQueue producer;

	@BeforeAll
	static void flushOnce() {
		shared = QueueFixture.on(redis);
	}

	@AfterAll
	static void closeShared() {
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
	void enqueuedJobsRunOnceAndComplete() {
		TestHandler chat = TestHandler.noop("chat");
		this.fixture.worker(settings(), chat);

		for (int i = 0; i < 20; i++) {
			this.producer.enqueue("job-" + i, "chat", chatPayload("job-" + i, "u1"));
		}
		this.producer.enqueue("job-0", "chat", chatPayload("job-0", "u1")); // a duplicate

		await(WAIT, "20 jobs completed", () -> this.producer.stats().total("completed") == 20);
		assertThat(chat.runs).hasSize(20).doesNotHaveDuplicates();
		assertThat(this.producer.job("job-7")).containsEntry("state", "completed")
			.containsEntry("worker", "test-worker");
		assertThat(this.fixture.counter("protostar.queue.jobs.completed", "type", "chat")).isEqualTo(20);
	}

	@Test
	void chatJobsRunBeforeIngestionJobsWaitingAtTheSameTime() {
		TestHandler chat = TestHandler.noop("chat");
		List<String> order = chat.runs;
		TestHandler ingestion = new TestHandler("ingestion", (job, context) -> order.add(job.id()));
		this.producer.enqueue("i1", "ingestion", ingestionPayload("i1"));
		this.producer.enqueue("i2", "ingestion", ingestionPayload("i2"));
		this.producer.enqueue("c1", "chat", chatPayload("c1", "u1"));
		this.producer.enqueue("c2", "chat", chatPayload("c2", "u1"));

		this.fixture.worker(settings().concurrency(1), chat, ingestion);

		await(WAIT, "4 jobs completed", () -> this.producer.stats().total("completed") == 4);
		assertThat(order).containsExactly("c1", "c2", "i1", "i2");
	}

	@Test
	void aHandlerLogsWithItsJobsIdAndTheRequestThatEnqueuedIt() {
		Map<String, String> seen = new ConcurrentHashMap<>();
		TestHandler chat = new TestHandler("chat", (job, context) -> seen.put(job.id(),
				MDC.get("jobId") + " " + MDC.get("requestId")));
		// One thread, so the job without a request runs where the other one ran.
		this.fixture.worker(settings().concurrency(1), chat);

		this.producer.enqueue("l1", "chat", chatPayload("l1", "u1")); // traceId t-l1
		this.producer.enqueue("l2", "chat", "{\"v\":1,\"jobId\":\"l2\"}");

		await(WAIT, "2 jobs completed", () -> this.producer.stats().total("completed") == 2);
		assertThat(seen).containsEntry("l1", "l1 t-l1").containsEntry("l2", "l2 null");
	}

	@Test
	void failingJobIsRetriedWithBackoffThenSucceeds() {
		TestHandler flaky = new TestHandler("chat", (job, context) -> {
			if (job.attempt() < 3) {
				throw new IOException("LLM endpoint timed out");
			}
		});
		this.fixture.worker(settings().backoff(Duration.ofMillis(200), Duration.ofSeconds(5)), flaky);

		this.producer.enqueue("f1", "chat", chatPayload("f1", "u1"));

		await(WAIT, "the job completed", () -> "completed".equals(this.producer.job("f1").get("state")));
		assertThat(flaky.runsOf("f1")).isEqualTo(3);
		assertThat(this.producer.job("f1")).containsEntry("attempts", "3")
			.containsEntry("lastError", "IOException: LLM endpoint timed out");
		// The delays: at least base·2^(n-1)·(1-jitter), i.e. 100 ms then 200 ms.
		List<Long> started = flaky.startedAt.get("f1");
		assertThat(started.get(1) - started.get(0)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
		assertThat(started.get(2) - started.get(1)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
		assertThat(this.fixture.counter("protostar.queue.jobs.retried", "type", "chat")).isEqualTo(2);
		assertThat(this.producer.stats().total("retried")).isEqualTo(2);
	}

	@Test
	void nonRetryableFailureIsDeadLetteredAtOnce() {
		TestHandler strict = new TestHandler("ingestion", (job, context) -> {
			throw new NonRetryableJobException("document d-1 does not exist");
		});
		this.fixture.worker(settings(), strict);

		this.producer.enqueue("n1", "ingestion", ingestionPayload("n1"));

		await(WAIT, "the job is dead", () -> this.producer.stats().dead() == 1);
		assertThat(strict.runsOf("n1")).isEqualTo(1);
		assertThat(this.producer.job("n1")).containsEntry("state", "dead")
			.containsEntry("attempts", "1")
			.containsEntry("lastError", "NonRetryableJobException: document d-1 does not exist");
		assertThat(this.fixture.counter("protostar.queue.jobs.dead.lettered", "type", "ingestion", "reason",
				"non-retryable"))
			.isEqualTo(1);
	}

	@Test
	void poisonJobIsDeadLetteredAfterItsAttemptsWhileOtherJobsGoOn() {
		TestHandler poisoned = new TestHandler("chat", (job, context) -> {
			if (job.id().startsWith("poison")) {
				throw new IllegalStateException("cannot parse model output");
			}
		});
		this.fixture.worker(settings().backoff(Duration.ofMillis(20), Duration.ofMillis(100)), poisoned);

		this.producer.enqueue("poison-1", "chat", chatPayload("poison-1", "u1"), 3);
		this.producer.enqueue("good-1", "chat", chatPayload("good-1", "u1"));

		await(WAIT, "the poison job is dead", () -> this.producer.stats().dead() == 1);
		await(WAIT, "the good job completed", () -> "completed".equals(this.producer.job("good-1").get("state")));
		assertThat(poisoned.runsOf("poison-1")).isEqualTo(3);
		JobQueue.DeadJob dead = this.producer.deadLetters(10).jobs().get(0);
		assertThat(dead.id()).isEqualTo("poison-1");
		assertThat(dead.attempts()).isEqualTo(3);
		assertThat(dead.lastError()).isEqualTo("IllegalStateException: cannot parse model output");
		// Counted once the fail script has answered, a moment after Redis shows the job dead.
		await(WAIT, "the dead letter is counted",
				() -> this.fixture.counter("protostar.queue.jobs.dead.lettered", "type", "chat", "reason", "exhausted") == 1);

		// Replayed from the dead-letter store, it gets all its attempts again.
		assertThat(this.producer.replay("poison-1")).isTrue();
		await(WAIT, "the replayed job is dead again", () -> this.producer.stats().dead() == 1
				&& "dead".equals(this.producer.job("poison-1").get("state")));
		assertThat(poisoned.runsOf("poison-1")).isEqualTo(6);
	}

	@Test
	void jobOfATypeWithoutHandlerIsDeadLetteredWithAClearError() {
		this.fixture.worker(settings().types("chat", "ingestion", "summary"), TestHandler.noop("chat"));

		this.producer.enqueue("x1", "summary", "{\"v\":1,\"jobId\":\"x1\"}");

		await(WAIT, "the job is dead", () -> this.producer.stats().dead() == 1);
		assertThat(this.producer.job("x1").get("lastError"))
			.isEqualTo("NonRetryableJobException: no handler for job type 'summary' in this worker"
					+ " (it has handlers for [chat])");
	}

	@Test
	void malformedPayloadIsDeadLetteredAtOnce() {
		TestHandler parsing = new TestHandler("chat", (job, context) -> job.chatPayload());
		this.fixture.worker(settings(), parsing);

		this.producer.enqueue("m1", "chat", "{\"v\":1,\"jobId\":\"m1\",\"userId\":\"u1\"}");

		await(WAIT, "the job is dead", () -> this.producer.stats().dead() == 1);
		assertThat(this.producer.job("m1").get("lastError")).contains("lacks \"role\"");
	}

	@Test
	void jobHeldByADeadWorkerIsTakenOver() {
		Duration lease = Duration.ofMillis(1000);
		Duration heartbeat = Duration.ofMillis(250);
		this.producer.enqueue("crash-1", "chat", chatPayload("crash-1", "u1"));
		// A worker claims it and dies: no heartbeat, no completion.
		JobQueue ghost = this.fixture.queue(settings().worker("ghost").lease(lease, heartbeat));
		assertThat(ghost.claim("ghost", 1)).hasSize(1);

		TestHandler chat = TestHandler.noop("chat");
		this.fixture.worker(settings().worker("alive").lease(lease, heartbeat), chat);

		await(WAIT, "the job completed", () -> "completed".equals(this.producer.job("crash-1").get("state")));
		assertThat(this.producer.job("crash-1")).containsEntry("worker", "alive").containsEntry("attempts", "2");
		assertThat(this.fixture.counter("protostar.queue.jobs.recovered")).isEqualTo(1);
	}

	@Test
	void slowJobWhoseWorkerRenewsItsLeaseIsNotStolen() throws Exception {
		// Renewed every 100 ms, a lease lasts 3 s: only a heartbeat held up for most of that
		// would lose it, not a busy machine's hiccup.
		Duration lease = Duration.ofSeconds(3);
		Duration heartbeat = Duration.ofMillis(100);
		CountDownLatch finish = new CountDownLatch(1);
		TestHandler slow = new TestHandler("chat", (job, context) -> finish.await());
		TestHandler other = TestHandler.noop("chat");
		this.fixture.worker(settings().worker("slow").lease(lease, heartbeat), slow);
		this.producer.enqueue("slow-1", "chat", chatPayload("slow-1", "u1"));
		await(WAIT, "the slow job started", () -> slow.runsOf("slow-1") == 1);
		long firstDeadline = this.fixture.leaseDeadline("slow-1");
		this.fixture.worker(settings().worker("other").lease(lease, heartbeat), other);

		// Past its first lease by Redis's clock, the job is held by renewals alone.
		await(WAIT, "the first lease is over", () -> this.fixture.redisTimeMillis() > firstDeadline);
		assertThat(this.producer.maintain().recovered()).as("recovered after the first deadline").isZero();
		finish.countDown();

		await(WAIT, "the slow job completed", () -> "completed".equals(this.producer.job("slow-1").get("state")));
		assertThat(other.runs).isEmpty();
		assertThat(this.producer.job("slow-1")).containsEntry("worker", "slow").containsEntry("attempts", "1");
		assertThat(this.producer.stats().total("recovered")).isZero();
	}

	@Test
	void gracefulShutdownFinishesRunningJobsAndTakesNoMore() throws Exception {
		CountDownLatch started = new CountDownLatch(2);
		CountDownLatch proceed = new CountDownLatch(1);
		TestHandler blocking = new TestHandler("chat", (job, context) -> {
			started.countDown();
			proceed.await();
		});
		JobWorker worker = this.fixture.worker(settings().concurrency(2), blocking);
		this.producer.enqueue("g1", "chat", chatPayload("g1", "u1"));
		this.producer.enqueue("g2", "chat", chatPayload("g2", "u1"));
		assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
		for (int i = 3; i <= 5; i++) {
			this.producer.enqueue("g" + i, "chat", chatPayload("g" + i, "u1"));
		}

		Thread stopping = new Thread(worker::stop);
		stopping.start();
		await(WAIT, "the worker stops accepting", () -> !worker.loopAlive());
		Thread.sleep(300); // time in which a worker still claiming would take g3
		proceed.countDown();
		stopping.join(20_000);

		assertThat(stopping.isAlive()).isFalse();
		assertThat(worker.isRunning()).isFalse();
		assertThat(this.producer.job("g1")).containsEntry("state", "completed");
		assertThat(this.producer.job("g2")).containsEntry("state", "completed");
		assertThat(blocking.runs).containsExactlyInAnyOrder("g1", "g2");
		assertThat(this.producer.stats().waiting("chat")).isEqualTo(3);
	}

	@Test
	void shutdownHandsBackJobsThatDoNotFinishInTime() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		TestHandler stuck = new TestHandler("chat", (job, context) -> {
			started.countDown();
			Thread.sleep(60_000);
		});
		JobWorker worker = this.fixture.worker(settings().worker("leaving").shutdownTimeout(Duration.ofMillis(500)),
				stuck);
		this.producer.enqueue("h1", "chat", chatPayload("h1", "u1"));
		assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();

		worker.stop();

		assertThat(this.producer.job("h1")).containsEntry("state", "waiting").containsEntry("attempts", "0");
		assertThat(this.producer.stats().active()).isZero();
		TestHandler next = TestHandler.noop("chat");
		this.fixture.worker(settings().worker("next"), next);
		await(WAIT, "another worker ran it", () -> "completed".equals(this.producer.job("h1").get("state")));
		assertThat(this.producer.job("h1")).containsEntry("worker", "next").containsEntry("attempts", "1");
	}

	/**
	 * More workers waiting for work at once than the shared pool has connections (16):
	 * their BLPOPs each hold a connection of their own (BlockingRedis), so the short
	 * commands on the shared pool meanwhile neither wait for one nor fail. Were the waits
	 * on the shared pool, these commands would queue behind them for up to 2 s.
	 */
	@Test
	void workersWaitingForWorkLeaveThePoolToOtherCommands() throws Exception {
		int waiters = 24;
		List<JobQueue> queues = new ArrayList<>();
		for (int i = 0; i < waiters; i++) {
			queues.add(this.fixture.queue(settings().worker("idle-" + i)));
		}
		CountDownLatch started = new CountDownLatch(waiters);
		List<Thread> threads = new ArrayList<>();
		for (JobQueue queue : queues) {
			threads.add(Thread.ofPlatform().start(() -> {
				started.countDown();
				queue.awaitWork(Duration.ofSeconds(2));
			}));
		}
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		Thread.sleep(300); // every BLPOP is blocking by now
		long slowest = 0;
		for (int i = 0; i < 200; i++) {
			long start = System.nanoTime();
			this.producer.stats();
			slowest = Math.max(slowest, System.nanoTime() - start);
		}
		assertThat(Duration.ofNanos(slowest)).as("slowest of 200 stats calls while %d workers wait", waiters)
			.isLessThan(Duration.ofMillis(1000));
		for (Thread thread : threads) {
			thread.join(10_000);
		}
	}

	@Test
	void progressEventsLandInTheUsersStreamAndAreAnnounced() throws Exception {
		BlockingQueue<String> announced = new LinkedBlockingQueue<>();
		CountDownLatch subscribed = new CountDownLatch(1);
		// A listener of its own, as the backend's (a Jedis subscription blocks its thread).
		final class Announcements implements MessageListener, SubscriptionListener {

			@Override
			public void onMessage(Message message, byte[] pattern) {
				announced.add(new String(message.getChannel(), StandardCharsets.UTF_8) + " "
						+ new String(message.getBody(), StandardCharsets.UTF_8));
			}

			@Override
			public void onChannelSubscribed(byte[] channel, long count) {
				subscribed.countDown();
			}

		}
		try (BlockingRedis blocking = new BlockingRedis(this.fixture.connectionFactory, 1, Duration.ofSeconds(5));
				RedisConnection pubSub = blocking.connection()) {
			Thread subscriber = Thread.ofPlatform().daemon().start(() -> pubSub.subscribe(new Announcements(),
					"protostar:events:notify:user:u-42".getBytes(StandardCharsets.UTF_8)));
			assertThat(subscribed.await(10, TimeUnit.SECONDS)).as("subscribed").isTrue();

			TestHandler chat = new TestHandler("chat", (job, context) -> {
				context.progress(Map.of("stage", "retrieving"));
				context.token("Fifteen");
				context.token(" days.");
			});
			this.fixture.worker(settings(), chat);
			this.producer.enqueue("p1", "chat", chatPayload("p1", "u-42"));

			await(WAIT, "the job completed", () -> "completed".equals(this.producer.job("p1").get("state")));
			List<MapRecord<String, Object, Object>> stream = this.fixture.redis.opsForStream()
				.range("protostar:events:user:u-42", Range.unbounded());
			assertThat(stream).extracting((r) -> r.getValue().get("event"))
				.containsExactly("progress", "token", "token", "completed");
			assertThat(stream).allSatisfy((r) -> assertThat(r.getValue()).containsEntry("v", "1")
				.containsEntry("jobId", "p1"));
			assertThat(stream.get(1).getValue().get("data")).isEqualTo("{\"jobId\":\"p1\",\"text\":\"Fifteen\"}");
			for (int i = 1; i < stream.size(); i++) {
				assertThat(stream.get(i).getId().getTimestamp() * 1_000_000 + stream.get(i).getId().getSequence())
					.isGreaterThan(stream.get(i - 1).getId().getTimestamp() * 1_000_000
							+ stream.get(i - 1).getId().getSequence());
			}
			assertThat(this.fixture.redis.getExpire("protostar:events:user:u-42")).isBetween(1L, 300L);
			for (MapRecord<String, Object, Object> record : stream) {
				assertThat(announced.poll(10, TimeUnit.SECONDS))
					.isEqualTo("protostar:events:notify:user:u-42 " + record.getId().getValue());
			}
			pubSub.getSubscription().close();
			subscriber.join(5_000);
		}
	}

}
