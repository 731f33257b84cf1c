package dev.protostar.worker.ingestion;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.minio.MinioClient;
import org.testcontainers.containers.GenericContainer;

import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.JobEvents;
import dev.protostar.contract.queue.JobPayloads;
import dev.protostar.worker.embedding.EmbeddingProvider;
import dev.protostar.worker.queue.JobHandler;
import dev.protostar.worker.queue.JobQueue;
import dev.protostar.worker.queue.JobWorker;
import dev.protostar.worker.queue.QueueMetrics;
import dev.protostar.worker.queue.QueueProperties;
import dev.protostar.worker.storage.MinioObjectStorage;
import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.fail;

/**
 * Ingestion wired by hand against real PostgreSQL, Redis and S3 (so a test can run
 * several workers, or a worker with its own model or limits): documents are uploaded
 * and registered as the backend will, and jobs enqueued as QUEUE.md says.
 */
final class IngestionHarness implements AutoCloseable {

	final HikariDataSource dataSource;

	final JdbcTemplate jdbc;

	final IngestionRepository documents;

	final MinioClient s3;

	final MinioObjectStorage storage;

	final JedisConnectionFactory redisFactory;

	final StringRedisTemplate redis;

	final JobQueue producer;

	private final List<JobWorker> workers = new ArrayList<>();

	IngestionHarness(String jdbcUrl, String user, String password, String redisHost, int redisPort,
			GenericContainer<?> s3proxy) throws Exception {
		this(jdbcUrl, user, password, redisHost, redisPort, TestInfrastructure.s3Endpoint(s3proxy));
	}

	IngestionHarness(String jdbcUrl, String user, String password, String redisHost, int redisPort,
			String s3Endpoint) throws Exception {
		this.dataSource = TestInfrastructure.dataSource(jdbcUrl, user, password);
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.documents = new IngestionRepository(this.jdbc,
				new TransactionTemplate(new DataSourceTransactionManager(this.dataSource)));
		this.s3 = TestInfrastructure.s3Client(s3Endpoint);
		TestInfrastructure.bucket(this.s3, TestInfrastructure.BUCKET);
		this.storage = MinioObjectStorage.of(TestInfrastructure.storageProperties(s3Endpoint));
		this.redisFactory = TestInfrastructure.redisConnections(redisHost, redisPort);
		this.redis = new StringRedisTemplate(this.redisFactory);
		this.redis.afterPropertiesSet();
		this.producer = new JobQueue(this.redis, this.redisFactory, properties("producer", 1, Duration.ofSeconds(30),
				Duration.ofSeconds(10)));
	}

	static QueueProperties properties(String workerId, int concurrency, Duration lease, Duration heartbeat) {
		return new QueueProperties(true, "protostar:jobs:", "protostar:events:", List.of("chat", "ingestion"),
				concurrency, lease, heartbeat, 10, Duration.ofMillis(100), Duration.ofSeconds(1), 0.5,
				Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ofHours(24), 1000, Duration.ofMinutes(5),
				workerId);
	}

	IngestionJobHandler handler(EmbeddingProvider provider) {
		return handler(provider, 50L * 1024 * 1024, 5_000_000, 400, 60);
	}

	IngestionJobHandler handler(EmbeddingProvider provider, long maxBytes, long maxChars, int chunkSize, int overlap) {
		return handler(provider, maxBytes, TestLimits.limits("max-chars", Long.toString(maxChars)), chunkSize, overlap);
	}

	IngestionJobHandler handler(EmbeddingProvider provider, long maxBytes, ParseLimits limits, int chunkSize,
			int overlap) {
		return new IngestionJobHandler(this.documents, this.storage, new TextExtractor(limits),
				new Chunker(chunkSize, overlap), provider, new VectorIndexes(this.jdbc, true), maxBytes);
	}

	JobWorker worker(String id, JobHandler handler) {
		return worker(id, handler, Duration.ofSeconds(30), Duration.ofSeconds(10), 2);
	}

	/** A started worker. */
	JobWorker worker(String id, JobHandler handler, Duration lease, Duration heartbeat, int concurrency) {
		QueueProperties properties = properties(id, concurrency, lease, heartbeat);
		JobQueue queue = new JobQueue(this.redis, this.redisFactory, properties);
		JobEvents events = new JobEvents(this.redis, properties.keys(), properties.eventsMaxLen(),
				properties.eventsTtl(), DataCipher.plaintext());
		JobWorker worker = new JobWorker(queue, events,
				new QueueMetrics(new SimpleMeterRegistry(), queue, properties.types()), List.of(handler));
		worker.start();
		this.workers.add(worker);
		return worker;
	}

	void stopWorkers() {
		this.workers.forEach(JobWorker::stop);
		this.workers.clear();
	}

	/** Uploads the file and registers the document (status waiting), as the backend will. */
	UUID document(String filename, String contentType, byte[] content) throws Exception {
		UUID id = UUID.randomUUID();
		String key = "documents/" + id + "/" + filename;
		TestInfrastructure.put(this.s3, key, content, contentType);
		this.jdbc.update("INSERT INTO documents (id, title, filename, content_type, size_bytes, object_key,"
				+ " access_level) VALUES (?, ?, ?, ?, ?, ?, 'INTERNAL')", id, filename, filename, contentType,
				content.length, key);
		return id;
	}

	/** Enqueues {@code ingest-<id>-<n>} with the uploader u-admin. */
	String enqueue(UUID id, int n) {
		String jobId = "ingest-" + id + "-" + n;
		this.producer.enqueue(jobId, IngestionJobPayload.TYPE,
				JobPayloads.write(new IngestionJobPayload(jobId, id.toString(), "u-admin", null)), 10);
		return jobId;
	}

	Map<String, Object> row(UUID id) {
		return this.jdbc.queryForMap("SELECT * FROM documents WHERE id = ?", id);
	}

	String status(UUID id) {
		List<String> status = this.jdbc.queryForList("SELECT status FROM documents WHERE id = ?", String.class, id);
		return status.isEmpty() ? "gone" : status.get(0);
	}

	int chunkRows(UUID id) {
		return this.jdbc.queryForObject("SELECT count(*) FROM document_chunks WHERE document_id = ?", Integer.class,
				id);
	}

	/** Chunk indexes in order: 0..n-1 exactly when nothing is missing or doubled. */
	List<Integer> chunkIndexes(UUID id) {
		return this.jdbc.queryForList("SELECT chunk_index FROM document_chunks WHERE document_id = ? ORDER BY 1",
				Integer.class, id);
	}

	void awaitStatus(UUID id, Set<String> statuses) {
		await(Duration.ofSeconds(90), "document " + id + " is " + statuses, () -> statuses.contains(status(id)));
	}

	void reset() {
		this.redis.execute((org.springframework.data.redis.core.RedisCallback<Object>) (connection) -> {
			connection.serverCommands().flushAll();
			return null;
		});
		this.jdbc.update("TRUNCATE documents CASCADE");
	}

	static void await(Duration timeout, String what, BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				fail("gave up after " + timeout + " waiting until " + what);
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				fail("interrupted");
			}
		}
	}

	@Override
	public void close() {
		stopWorkers();
		this.producer.close();
		this.redisFactory.destroy();
		this.dataSource.close();
	}

}
