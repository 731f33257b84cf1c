package dev.protostar.worker.queue;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import static dev.protostar.worker.queue.QueueFixture.await;
import static dev.protostar.worker.queue.QueueFixture.chatPayload;
import static dev.protostar.worker.queue.QueueFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler that throws an Error, not an Exception: a native library failing to load
 * (ExceptionInInitializerError) while the worker stops did this. The attempt must be
 * recorded and retried like any failure, not leave the job active until its lease
 * runs out with nothing logged.
 */
@Testcontainers
class HandlerErrorIntegrationTests {

	@Container
	static final GenericContainer<?> redis = QueueFixture.redisContainer();

	private final QueueFixture fixture = QueueFixture.on(redis);

	@AfterEach
	void close() {
		this.fixture.flush();
		this.fixture.close();
	}

	@Test
	void anErrorInAHandlerIsRecordedAndRetried() {
		TestHandler broken = new TestHandler("chat", (job, context) -> {
			if (job.attempt() == 1) {
				throw new ExceptionInInitializerError("the model's native runtime is gone");
			}
		});
		// A lease far longer than the wait: only a recorded failure can bring the retry.
		this.fixture.worker(settings().lease(Duration.ofMinutes(5), Duration.ofSeconds(30)).backoff(Duration.ofMillis(50), Duration.ofSeconds(1)),
				broken);
		JobQueue producer = this.fixture.queue(settings().worker("producer"));

		producer.enqueue("e1", "chat", chatPayload("e1", "u1"));

		await(Duration.ofSeconds(20), "the job completed", () -> "completed".equals(producer.job("e1").get("state")));
		assertThat(broken.runsOf("e1")).isEqualTo(2);
		assertThat(producer.job("e1")).containsEntry("attempts", "2")
			.containsEntry("lastError", "ExceptionInInitializerError: the model's native runtime is gone");
	}

}
