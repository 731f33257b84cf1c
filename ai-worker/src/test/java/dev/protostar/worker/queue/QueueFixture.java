package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.contract.queue.ChatJobPayload;
import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.JobEvents;
import dev.protostar.contract.queue.JobPayloads;
import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.fail;

/**
 * Queues, workers and a Redis connection for the queue's integration tests, built
 * without Spring so a test can run several workers (or a "dead" one) against one Redis.
 * Everything made here is stopped by {@link #close()}.
 */
final class QueueFixture implements AutoCloseable {

	static final DockerImageName REDIS_IMAGE = DockerImageName
		.parse(System.getProperty("protostar.test.redis-image", "protostar/redis:8"))
		.asCompatibleSubstituteFor("redis");

	final JedisConnectionFactory connectionFactory;

	final StringRedisTemplate redis;

	final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final List<JobWorker> workers = new ArrayList<>();

	private final List<JobQueue> queues = new ArrayList<>();

	QueueFixture(String host, int port) {
		this.connectionFactory = TestInfrastructure.redisConnections(host, port);
		this.redis = new StringRedisTemplate(this.connectionFactory);
		this.redis.afterPropertiesSet();
	}

	static QueueFixture on(GenericContainer<?> container) {
		return new QueueFixture(container.getHost(), container.getMappedPort(6379));
	}

	static GenericContainer<?> redisContainer() {
		return new GenericContainer<>(REDIS_IMAGE).withExposedPorts(6379);
	}

	void flush() {
		this.redis.execute((org.springframework.data.redis.core.RedisCallback<Object>) (connection) -> {
			connection.serverCommands().flushAll();
			return null;
		});
	}

	JobQueue queue(Settings settings) {
		JobQueue queue = new JobQueue(this.redis, this.connectionFactory, settings.build());
		this.queues.add(queue);
		return queue;
	}

	JobEvents events(Settings settings) {
		QueueProperties properties = settings.build();
		return new JobEvents(this.redis, properties.keys(), properties.eventsMaxLen(), properties.eventsTtl(),
				DataCipher.plaintext());
	}

	/** A started worker. */
	JobWorker worker(Settings settings, JobHandler... handlers) {
		JobQueue queue = queue(settings);
		JobWorker worker = new JobWorker(queue, events(settings),
				new QueueMetrics(this.meters, queue, settings.types), List.of(handlers));
		this.workers.add(worker);
		worker.start();
		return worker;
	}

	/** Redis's clock, which leases are measured by (not this JVM's). */
	long redisTimeMillis() {
		return this.redis.execute((RedisCallback<Long>) (connection) -> connection.serverCommands().time());
	}

	/** When the lease of an active job ends, by Redis's clock. */
	long leaseDeadline(String jobId) {
		Double deadline = this.redis.opsForZSet().score("protostar:jobs:active", jobId);
		if (deadline == null) {
			fail(jobId + " is not active");
		}
		return deadline.longValue();
	}

	double counter(String name, String... tags) {
		var counter = this.meters.find(name).tags(tags).counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Override
	public void close() {
		for (JobWorker worker : this.workers) {
			worker.stop();
		}
		this.queues.forEach(JobQueue::close);
		this.connectionFactory.destroy();
	}

	/** Waits up to {@code timeout} for the condition; fails the test with {@code what} otherwise. */
	static void await(Duration timeout, String what, BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				fail("gave up after " + timeout + " waiting until " + what);
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				fail("interrupted");
			}
		}
	}

	/** A chat payload as the backend writes it. */
	static String chatPayload(String jobId, String userId) {
		return JobPayloads.write(new ChatJobPayload(jobId, userId, "STARGAZER", DocumentAccess.INTERNAL, "c-1",
				"How many days of leave do I have?", "t-" + jobId));
	}

	static String ingestionPayload(String jobId) {
		return JobPayloads.write(new IngestionJobPayload(jobId, "d-1", "u-admin", "t-" + jobId));
	}

	/** Queue settings for tests: the defaults with short timings, each changeable. */
	static final class Settings {

		String workerId = "test-worker";

		List<String> types = List.of("chat", "ingestion");

		int concurrency = 2;

		Duration lease = Duration.ofSeconds(30);

		Duration heartbeat = Duration.ofSeconds(10);

		int maxAttempts = 5;

		Duration backoffBase = Duration.ofMillis(50);

		Duration backoffMax = Duration.ofSeconds(1);

		double jitter = 0.5;

		Duration shutdownTimeout = Duration.ofSeconds(10);

		Duration pollInterval = Duration.ofMillis(200);

		Settings worker(String id) {
			this.workerId = id;
			return this;
		}

		Settings types(String... types) {
			this.types = List.of(types);
			return this;
		}

		Settings concurrency(int concurrency) {
			this.concurrency = concurrency;
			return this;
		}

		Settings lease(Duration lease, Duration heartbeat) {
			this.lease = lease;
			this.heartbeat = heartbeat;
			return this;
		}

		Settings maxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
			return this;
		}

		Settings backoff(Duration base, Duration max) {
			this.backoffBase = base;
			this.backoffMax = max;
			return this;
		}

		Settings shutdownTimeout(Duration timeout) {
			this.shutdownTimeout = timeout;
			return this;
		}

		QueueProperties build() {
			return new QueueProperties(true, "protostar:jobs:", "protostar:events:", this.types, this.concurrency,
					this.lease, this.heartbeat, this.maxAttempts, this.backoffBase, this.backoffMax, this.jitter,
					this.shutdownTimeout, this.pollInterval, Duration.ofHours(24), 1000, Duration.ofMinutes(5),
					this.workerId);
		}

	}

	static Settings settings() {
		return new Settings();
	}

}
