package dev.protostar.worker.chat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.worker.queue.ChatJob;
import dev.protostar.worker.queue.Job;
import dev.protostar.worker.queue.JobEvents;
import dev.protostar.worker.queue.JobQueue;
import dev.protostar.worker.queue.JobWorker;
import dev.protostar.worker.queue.NonRetryableJobException;
import dev.protostar.worker.queue.QueueMetrics;
import dev.protostar.worker.queue.QueueProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The chat handler against real PostgreSQL (with the backend's own
 * migrations: the worker never migrates) and Redis (the real queue, worker
 * and event scripts).
 */
@Testcontainers
class ChatJobHandlerIntegrationTests {

	@Container
	static final PostgreSQLContainer postgres = new PostgreSQLContainer(
			DockerImageName.parse(System.getProperty("protostar.test.postgres-image", "protostar/postgres:17-pgvector0.8"))
				.asCompatibleSubstituteFor("postgres"));

	@Container
	static final GenericContainer<?> redisContainer = new GenericContainer<>(
			DockerImageName.parse(System.getProperty("protostar.test.redis-image", "protostar/redis:8"))
				.asCompatibleSubstituteFor("redis"))
		.withExposedPorts(6379);

	private static final JsonMapper json = JsonMapper.builder().build();

	private static JdbcTemplate jdbc;

	private static ChatJobHandler handler;

	private static LettuceConnectionFactory redisConnections;

	private static StringRedisTemplate redis;

	@BeforeAll
	static void setUp() throws Exception {
		DriverManagerDataSource dataSource = new DriverManagerDataSource(postgres.getJdbcUrl(), postgres.getUsername(),
				postgres.getPassword());
		jdbc = new JdbcTemplate(dataSource);
		// The backend's migrations, as the backend applies them.
		try (var files = Files.list(Path.of("../backend/src/main/resources/db/migration"))) {
			for (Path file : files.sorted().toList()) {
				jdbc.execute(Files.readString(file));
			}
		}
		handler = new ChatJobHandler(new ChatMessages(JdbcClient.create(dataSource)),
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)));
		redisConnections = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redisContainer.getHost(), redisContainer.getMappedPort(6379)));
		redisConnections.afterPropertiesSet();
		redisConnections.start();
		redis = new StringRedisTemplate(redisConnections);
		redis.afterPropertiesSet();
	}

	@AfterAll
	static void tearDown() {
		if (redisConnections != null) {
			redisConnections.destroy();
		}
	}

	@Test
	void answersWithTokensThenTheStoredAnswerAndMarksTheQuestionAnswered() {
		Asked asked = ask("What is the <b>leave</b> policy?");
		List<Map.Entry<String, Map<String, ?>>> events = new CopyOnWriteArrayList<>();

		handler.answer(asked.job, (name, data) -> events.add(Map.entry(name, data)));

		Map<String, Object> answer = jdbc.queryForMap(
				"SELECT id, content, status, metadata::text AS metadata FROM messages WHERE job_id = ? AND role = 'assistant'",
				asked.job.jobId());
		assertThat(answer.get("status")).isEqualTo("answered");
		assertThat(json.readTree((String) answer.get("metadata"))).isEqualTo(json.readTree("{\"citations\":[]}"));
		assertThat((String) answer.get("content")).contains("What is the <b>leave</b> policy?");
		assertThat(status(asked.questionId)).isEqualTo("answered");
		List<String> names = events.stream().map(Map.Entry::getKey).toList();
		assertThat(names.get(names.size() - 1)).isEqualTo("answer");
		assertThat(names.subList(0, names.size() - 1)).hasSizeGreaterThan(5).containsOnly("token");
		String streamed = events.stream()
			.filter((event) -> event.getKey().equals("token"))
			.map((event) -> (String) event.getValue().get("text"))
			.reduce("", String::concat);
		assertThat(streamed).isEqualTo(answer.get("content"));
		Map<String, ?> last = events.get(events.size() - 1).getValue();
		assertThat(last.get("messageId")).isEqualTo(answer.get("id").toString());
		assertThat(last.get("questionId")).isEqualTo(asked.questionId.toString());
		assertThat(last.get("conversationId")).isEqualTo(asked.job.conversationId());
		assertThat(last.get("content")).isEqualTo(answer.get("content"));
	}

	@Test
	void runningTheSameJobTwiceWritesOneAnswer() {
		Asked asked = ask("Twice?");
		List<Map.Entry<String, Map<String, ?>>> first = new ArrayList<>();
		List<Map.Entry<String, Map<String, ?>>> second = new ArrayList<>();

		handler.answer(asked.job, (name, data) -> first.add(Map.entry(name, data)));
		handler.answer(asked.job, (name, data) -> second.add(Map.entry(name, data)));

		assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE job_id = ? AND role = 'assistant'",
				Long.class, asked.job.jobId()))
			.isEqualTo(1);
		assertThat(second).hasSize(1);
		assertThat(second.get(0).getKey()).isEqualTo("answer");
		assertThat(second.get(0).getValue().get("messageId"))
			.isEqualTo(first.get(first.size() - 1).getValue().get("messageId"));
	}

	@Test
	void aQuestionNotStoredYetIsARetryableFailure() {
		ChatJob job = new ChatJob(UUID.randomUUID().toString(), UUID.randomUUID().toString(), "GUEST",
				UUID.randomUUID().toString(), "Is it there?", null);

		assertThatThrownBy(() -> handler.answer(job, (name, data) -> {
		})).isInstanceOf(IllegalStateException.class)
			.isNotInstanceOf(NonRetryableJobException.class)
			.hasMessageContaining("no question is stored");
	}

	@Test
	void aJobNamingAnotherUsersConversationFailsForGoodAndMarksTheQuestionFailed() throws Exception {
		Asked asked = ask("Whose is it?");
		String forged = payload(asked.job.jobId(), UUID.randomUUID().toString(), asked.job.conversationId(), "x");
		Job job = new Job(asked.job.jobId(), "chat", forged, 1, 3, "lease", 0, 0);

		assertThatThrownBy(() -> handler.handle(job, (name, data) -> fail("no event expected: " + name)))
			.isInstanceOf(NonRetryableJobException.class);
		assertThat(status(asked.questionId)).isEqualTo("failed");
		assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE job_id = ? AND role = 'assistant'",
				Long.class, asked.job.jobId()))
			.isZero();
	}

	@Test
	void throughTheRealQueueTheUserGetsTokensTheAnswerAndCompleted() throws Exception {
		Asked asked = ask("How many days of leave do I have?");
		QueueProperties properties = new QueueProperties(true, "protostar:jobs:", "protostar:events:",
				List.of("chat", "ingestion"), 2, Duration.ofSeconds(30), Duration.ofSeconds(10), 3,
				Duration.ofMillis(50), Duration.ofSeconds(1), 0.5, Duration.ofSeconds(10), Duration.ofMillis(200),
				Duration.ofHours(24), 1000, Duration.ofMinutes(5), "chat-test-worker");
		JobQueue queue = new JobQueue(redis, redisConnections, properties);
		JobWorker worker = new JobWorker(queue, new JobEvents(redis, properties),
				new QueueMetrics(new SimpleMeterRegistry(), queue, properties.types()), List.of(handler));
		worker.start();
		try {
			// The payload exactly as the backend writes it.
			queue.enqueue(asked.job.jobId(), "chat",
					payload(asked.job.jobId(), asked.job.userId(), asked.job.conversationId(), asked.job.message()),
					3);
			long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			while (!"completed".equals(queue.job(asked.job.jobId()).get("state")) && System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			assertThat(queue.job(asked.job.jobId())).containsEntry("state", "completed");
		}
		finally {
			worker.stop();
		}

		List<MapRecord<String, Object, Object>> stream = redis.opsForStream()
			.range("protostar:events:user:" + asked.job.userId(), Range.unbounded());
		List<String> names = stream.stream().map((record) -> (String) record.getValue().get("event")).toList();
		assertThat(names.get(0)).isEqualTo("token");
		assertThat(names.subList(names.size() - 2, names.size())).containsExactly("answer", "completed");
		assertThat(names.subList(0, names.size() - 2)).containsOnly("token");
		JsonNode answer = json.readTree((String) stream.get(stream.size() - 2).getValue().get("data"));
		assertThat(answer.get("jobId").asString()).isEqualTo(asked.job.jobId());
		assertThat(answer.get("messageId").asString()).isEqualTo(jdbc.queryForObject(
				"SELECT id::text FROM messages WHERE job_id = ? AND role = 'assistant'", String.class,
				asked.job.jobId()));
		assertThat(answer.get("citations").isArray()).isTrue();
		assertThat(status(asked.questionId)).isEqualTo("answered");
	}

	/** A user, a conversation and a pending question, as the backend stores them. */
	private static Asked ask(String message) {
		UUID userId = UUID.randomUUID();
		UUID conversationId = UUID.randomUUID();
		UUID questionId = UUID.randomUUID();
		String jobId = UUID.randomUUID().toString();
		jdbc.update("INSERT INTO users (id, email, password_hash, display_name) VALUES (?, ?, 'x', 'Test')", userId,
				"user-" + userId + "@protostar.test");
		jdbc.update("INSERT INTO conversations (id, user_id, title) VALUES (?, ?, 'test')", conversationId, userId);
		jdbc.update("INSERT INTO messages (id, conversation_id, role, content, job_id, status) "
				+ "VALUES (?, ?, 'user', ?, ?, 'pending')", questionId, conversationId, message, jobId);
		return new Asked(new ChatJob(jobId, userId.toString(), "GUEST", conversationId.toString(), message, "trace-1"),
				questionId);
	}

	private static String payload(String jobId, String userId, String conversationId, String message) {
		return json.writeValueAsString(Map.of("v", 1, "jobId", jobId, "userId", userId, "role", "GUEST",
				"conversationId", conversationId, "message", message, "traceId", "trace-1"));
	}

	private static String status(UUID questionId) {
		return jdbc.queryForObject("SELECT status FROM messages WHERE id = ?", String.class, questionId);
	}

	private record Asked(ChatJob job, UUID questionId) {
	}

}
