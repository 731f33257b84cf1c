package dev.protostar.worker.queue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.FixedHostPortGenericContainer;
import org.testcontainers.containers.GenericContainer;

import static dev.protostar.worker.queue.QueueFixture.await;
import static dev.protostar.worker.queue.QueueFixture.chatPayload;
import static dev.protostar.worker.queue.QueueFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis restarts (docker restart: SIGTERM, so AOF is flushed, then start on the same
 * port) while a worker runs and a producer keeps enqueuing: the worker reconnects by
 * itself and every job runs.
 */
class RedisRestartIntegrationTests {

	private static final int JOBS = 120;

	@Test
	@SuppressWarnings("deprecation") // a fixed host port, so the restarted Redis is where clients look
	void workerRecoversFromARedisRestartAndNoJobIsLost() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		try (GenericContainer<?> redis = new FixedHostPortGenericContainer<>(QueueFixture.REDIS_IMAGE.asCanonicalNameString())
			.withFixedExposedPort(port, 6379)
			.withCommand("redis-server", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes",
					"--appendfsync", "everysec")) {
			redis.start();
			try (QueueFixture fixture = new QueueFixture(redis.getHost(), port)) {
				Set<String> done = ConcurrentHashMap.newKeySet();
				TestHandler chat = new TestHandler("chat", (job, context) -> {
					Thread.sleep(10);
					done.add(job.id());
				});
				JobWorker worker = fixture.worker(settings().concurrency(4).lease(Duration.ofSeconds(5), Duration.ofSeconds(1)), chat);
				JobQueue producer = fixture.queue(settings().worker("producer"));

				for (int i = 0; i < JOBS / 2; i++) {
					enqueue(producer, "r-" + i);
				}
				await(Duration.ofSeconds(30), "some jobs ran before the restart", () -> done.size() >= 10);

				redis.getDockerClient().restartContainerCmd(redis.getContainerId()).withTimeout(10).exec();

				for (int i = JOBS / 2; i < JOBS; i++) {
					enqueue(producer, "r-" + i);
				}
				await(Duration.ofSeconds(90), "every job ran", () -> done.size() == JOBS);
				await(Duration.ofSeconds(30), "every job is recorded as completed",
						() -> producer.stats().active() == 0 && producer.stats().waiting("chat") == 0
								&& producer.stats().delayed() == 0);
				for (int i = 0; i < JOBS; i++) {
					assertThat(producer.job("r-" + i).get("state")).as("r-" + i).isEqualTo("completed");
				}
				assertThat(worker.loopAlive()).isTrue();
			}
		}
	}

	/** The producer's side of the outage: it tries again until Redis is back. */
	private static void enqueue(JobQueue producer, String id) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (true) {
			try {
				producer.enqueue(id, "chat", chatPayload(id, "u1"));
				return;
			}
			catch (RuntimeException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				Thread.sleep(200);
			}
		}
	}

}
