package dev.protostar.worker.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;
import dev.protostar.contract.queue.ChatJobPayload;
import dev.protostar.contract.queue.JobEvents;
import dev.protostar.contract.queue.JobPayloads;
import dev.protostar.worker.answer.AnswerException;
import dev.protostar.worker.answer.AnswerProperties;
import dev.protostar.worker.answer.AnswerService;
import dev.protostar.worker.answer.MockModelServer;
import dev.protostar.worker.ingestion.FakeEmbeddingProvider;
import dev.protostar.worker.queue.Job;
import dev.protostar.worker.queue.JobQueue;
import dev.protostar.worker.queue.JobWorker;
import dev.protostar.worker.queue.NonRetryableJobException;
import dev.protostar.worker.queue.QueueMetrics;
import dev.protostar.worker.queue.QueueProperties;
import dev.protostar.worker.retrieval.Passage;
import dev.protostar.worker.retrieval.RetrievalFixture;
import dev.protostar.worker.retrieval.Retriever;
import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The chat handler against real PostgreSQL (with the backend's own migrations: the
 * worker never migrates) and Redis (the real queue, worker and event scripts): answers
 * drawn by the real hybrid retriever from documents indexed in the database, embedded by
 * a stand-in model whose vectors the test chooses (so the passages' order is known), and,
 * for the remote provider, a local server speaking the OpenAI streaming protocol.
 */
@Testcontainers
class ChatJobHandlerIntegrationTests {

	@Container
	static final PostgreSQLContainer postgres = TestInfrastructure.postgres();

	@Container
	static final GenericContainer<?> redisContainer = TestInfrastructure.redis();

	private static final JsonMapper json = JsonMapper.builder().build();

	/** Two data keys (32 bytes each, base64), as DATA_ENCRYPTION_KEYS holds them. */
	private static final String DATA_KEY_1 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

	private static final String DATA_KEY_2 = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

	private static final UUID LEAVE = UUID.fromString("00000000-0000-0000-0000-00000000000a");

	private static final UUID HANDBOOK = UUID.fromString("00000000-0000-0000-0000-00000000000b");

	private static final String LEAVE_TEXT = "Annual leave. Every employee has 15 days of paid annual leave a year."
			+ " Unused days may be carried over until the end of March.";

	/** The handbook's chunks: only the last (index 3) is about leave. */
	private static final String[] HANDBOOK_TEXTS = { "Welcome aboard. This handbook introduces the company.",
			"Working hours are flexible between eight and six o'clock.",
			"Expenses are reimbursed monthly through the finance portal.",
			"The canteen opens at 11:30. Leave requests go through the HR portal at least two weeks ahead." };

	/**
	 * Every question's vector; the leave chunk is nearest, then the handbook's leave
	 * chunk, then its other chunks: the order the lexical ranking gives too.
	 */
	private static final float[] QUESTION = { 1, 0, 0, 0, 0, 0, 0, 0 };

	private static final FakeEmbeddingProvider embeddings = new FakeEmbeddingProvider("fake-chat", 8, 16);

	static {
		embeddings.chosen.put(LEAVE_TEXT, new float[] { 1, 0.1f, 0, 0, 0, 0, 0, 0 });
		embeddings.chosen.put(HANDBOOK_TEXTS[0], new float[] { 0, 1, 0, 0, 0, 0, 0, 0 });
		embeddings.chosen.put(HANDBOOK_TEXTS[1], new float[] { 0, 0, 1, 0, 0, 0, 0, 0 });
		embeddings.chosen.put(HANDBOOK_TEXTS[2], new float[] { 0, 0, 0, 1, 0, 0, 0, 0 });
		embeddings.chosen.put(HANDBOOK_TEXTS[3], new float[] { 1, 0.6f, 0, 0, 0, 0, 0, 0 });
	}

	private static RetrievalFixture documents;

	private static JdbcTemplate jdbc;

	private static JdbcClient jdbcClient;

	private static ChatMessages messages;

	private static TransactionTemplate transactions;

	private static JedisConnectionFactory redisConnections;

	private static StringRedisTemplate redis;

	private RecordingRetriever retriever;

	private ChatJobHandler handler;

	private MockModelServer model;

	@BeforeAll
	static void setUp() throws Exception {
		DriverManagerDataSource dataSource = new DriverManagerDataSource(postgres.getJdbcUrl(), postgres.getUsername(),
				postgres.getPassword());
		jdbc = new JdbcTemplate(dataSource);
		TestInfrastructure.migrate(dataSource);
		documents = new RetrievalFixture(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
		jdbcClient = JdbcClient.create(dataSource);
		messages = new ChatMessages(jdbcClient, DataCipher.plaintext());
		transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		redisConnections = TestInfrastructure.redisConnections(redisContainer.getHost(),
				redisContainer.getMappedPort(6379));
		redis = new StringRedisTemplate(redisConnections);
		redis.afterPropertiesSet();
	}

	@AfterAll
	static void tearDown() {
		if (redisConnections != null) {
			redisConnections.destroy();
		}
		if (documents != null) {
			documents.close();
		}
	}

	@BeforeEach
	void offlineHandler() throws Exception {
		documents.reset();
		this.retriever = new RecordingRetriever(documents.hybridRetriever(embeddings));
		this.model = new MockModelServer();
		this.handler = handler(AnswerProperties.Provider.OFFLINE);
	}

	@AfterEach
	void stopModel() {
		this.model.close();
	}

	private ChatJobHandler handler(AnswerProperties.Provider provider) {
		return handler(provider, messages, DataCipher.plaintext());
	}

	private ChatJobHandler handler(AnswerProperties.Provider provider, ChatMessages rows, DataCipher cipher) {
		AnswerProperties properties = new AnswerProperties(provider, this.model.url("/v1"), "", "test-model",
				Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), 0.2, 256, 4, 6,
				new AnswerProperties.Breaker(5, Duration.ofSeconds(30)));
		return new ChatJobHandler(rows, transactions, this.retriever,
				AnswerService.from(properties, new SimpleMeterRegistry()), cipher, properties.passages(),
				properties.history());
	}

	@Test
	void answersFromTheRetrievedPassagesCitingThemStreamingTokensAndStoringTheCitations() {
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		Asked asked = ask("How many days of <b>leave</b> do I have?");
		List<Map.Entry<String, Map<String, ?>>> events = new CopyOnWriteArrayList<>();

		this.handler.answer(asked.job, true, (name, data) -> events.add(Map.entry(name, data)));

		assertThat(this.retriever.calls).containsExactly(
				new Call("How many days of <b>leave</b> do I have?", DocumentAccess.PUBLIC, 4));
		Map<String, Object> answer = storedAnswer(asked);
		assertThat(answer.get("status")).isEqualTo("answered");
		assertThat((String) answer.get("content")).contains("\"Every employee has 15 days of paid annual leave a year.\" [1]")
			.contains("\"Leave requests go through the HR portal at least two weeks ahead.\" [2]");
		JsonNode metadata = json.readTree((String) answer.get("metadata"));
		assertThat(metadata.get("provider").asString()).isEqualTo("offline");
		assertThat(metadata.get("degraded").asBoolean()).isFalse();
		assertThat(metadata.has("resultCode")).isFalse();
		JsonNode citations = metadata.get("citations");
		assertThat(citations).hasSize(2);
		assertThat(citations.get(0)).isEqualTo(json.readTree("""
				{"n": 1, "documentId": "00000000-0000-0000-0000-00000000000a", "title": "Leave policy", "chunkIndex": 0,
				 "quote": "Every employee has 15 days of paid annual leave a year."}"""));
		assertThat(citations.get(1).get("documentId").asString()).isEqualTo(HANDBOOK.toString());
		assertThat(citations.get(1).get("chunkIndex").asInt()).isEqualTo(3);
		assertThat(status(asked.questionId)).isEqualTo("answered");

		List<String> names = events.stream().map(Map.Entry::getKey).toList();
		assertThat(names.get(names.size() - 1)).isEqualTo("answer");
		assertThat(names.subList(0, names.size() - 1)).hasSizeGreaterThan(5).containsOnly("token");
		assertThat(streamed(events)).isEqualTo(answer.get("content"));
		Map<String, ?> last = events.get(events.size() - 1).getValue();
		assertThat(last.get("messageId")).isEqualTo(answer.get("id").toString());
		assertThat(last.get("questionId")).isEqualTo(asked.questionId.toString());
		assertThat(last.get("conversationId")).isEqualTo(asked.job.conversationId());
		assertThat(last.get("content")).isEqualTo(answer.get("content"));
		assertThat((JsonNode) json.valueToTree(last.get("citations"))).isEqualTo(citations);
		assertThat(last.get("degraded")).isEqualTo(false);
	}

	@Test
	void withNothingRetrievedTheAnswerSaysSoAndCitesNothing() {
		Asked asked = ask("What is the <b>leave</b> policy?");
		List<Map.Entry<String, Map<String, ?>>> events = new ArrayList<>();

		this.handler.answer(asked.job, true, (name, data) -> events.add(Map.entry(name, data)));

		Map<String, Object> answer = storedAnswer(asked);
		assertThat((String) answer.get("content")).contains("no indexed document covers \"What is the <b>leave</b> policy?\"");
		assertThat(json.readTree((String) answer.get("metadata")))
			.isEqualTo(json.readTree("{\"citations\": [], \"provider\": \"offline\", \"degraded\": false}"));
		assertThat(streamed(events)).isEqualTo(answer.get("content"));
	}

	@Test
	void runningTheSameJobTwiceWritesOneAnswerAndSendsItWithItsCitationsAgain() {
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		Asked asked = ask("How many days of leave?");
		List<Map.Entry<String, Map<String, ?>>> first = new ArrayList<>();
		List<Map.Entry<String, Map<String, ?>>> second = new ArrayList<>();

		this.handler.answer(asked.job, false, (name, data) -> first.add(Map.entry(name, data)));
		this.handler.answer(asked.job, false, (name, data) -> second.add(Map.entry(name, data)));

		assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE job_id = ? AND role = 'assistant'",
				Long.class, asked.job.jobId()))
			.isEqualTo(1);
		assertThat(second).hasSize(1);
		assertThat(second.get(0).getKey()).isEqualTo("answer");
		assertThat(second.get(0).getValue()).isEqualTo(first.get(first.size() - 1).getValue());
		assertThat((List<?>) second.get(0).getValue().get("citations")).hasSize(2);
		assertThat(this.retriever.calls).as("the second run retrieves nothing").hasSize(1);
	}

	@Test
	void aQuestionNotStoredYetIsARetryableFailure() {
		Asked other = ask("Another question of the conversation");
		ChatJobPayload job = new ChatJobPayload(UUID.randomUUID().toString(), other.job.userId(), "GUEST",
				DocumentAccess.PUBLIC, other.job.conversationId(), "Is it there?", null);

		assertThatThrownBy(() -> this.handler.answer(job, false, (name, data) -> {
		})).isInstanceOf(IllegalStateException.class)
			.isNotInstanceOf(NonRetryableJobException.class)
			.hasMessageContaining("no question is stored");
	}

	@Test
	void aJobWhoseConversationWasDeletedEndsQuietlyWithoutAnAnswer() throws Exception {
		Asked asked = ask("How many days of leave do I have?");
		jdbc.update("DELETE FROM conversations WHERE id = ?::uuid", asked.job.conversationId());
		Job job = new Job(asked.job.jobId(), "chat", payload(asked.job.jobId(), asked.job.userId(),
				asked.job.conversationId(), asked.job.message(), "GUEST", "PUBLIC"), 1, 3, "lease", 0, 0);

		this.handler.handle(job, (name, data) -> fail("no event expected: " + name));

		assertThat(this.retriever.calls).as("nothing is retrieved for nobody").isEmpty();
		assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE job_id = ?", Long.class,
				asked.job.jobId())).isZero();
	}

	@Test
	void aConversationDeletedWhileAnsweringDropsTheAnswerWithoutARetry() throws Exception {
		Asked asked = ask("How many days of leave do I have?");
		Job job = new Job(asked.job.jobId(), "chat", payload(asked.job.jobId(), asked.job.userId(),
				asked.job.conversationId(), asked.job.message(), "GUEST", "PUBLIC"), 1, 3, "lease", 0, 0);
		List<String> events = new ArrayList<>();

		this.handler.handle(job, (name, data) -> {
			if (events.isEmpty()) {
				// The user deletes the conversation as the first words arrive.
				jdbc.update("DELETE FROM conversations WHERE id = ?::uuid", asked.job.conversationId());
			}
			events.add(name);
		});

		assertThat(events).isNotEmpty().doesNotContain("answer");
		assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE job_id = ?", Long.class,
				asked.job.jobId())).isZero();
	}

	@Test
	void aJobNamingAnotherUsersConversationFailsForGoodAndMarksTheQuestionFailed() throws Exception {
		Asked asked = ask("Whose is it?");
		String forged = payload(asked.job.jobId(), UUID.randomUUID().toString(), asked.job.conversationId(), "x",
				"GUEST", null);
		Job job = new Job(asked.job.jobId(), "chat", forged, 1, 3, "lease", 0, 0);

		assertThatThrownBy(() -> this.handler.handle(job, (name, data) -> fail("no event expected: " + name)))
			.isInstanceOf(NonRetryableJobException.class);
		assertThat(status(asked.questionId)).isEqualTo("failed");
		assertThat(json.readTree(jdbc.queryForObject("SELECT metadata::text FROM messages WHERE id = ?", String.class,
				asked.questionId)))
			.isEqualTo(json.readTree("{\"resultCode\": \"INTERNAL_ERROR\", \"message\": \"the job failed\"}"));
		assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE job_id = ? AND role = 'assistant'",
				Long.class, asked.job.jobId()))
			.isZero();
	}

	@Test
	void theAskersDocumentAccessReachesTheRetriever() throws Exception {
		indexLeaveDocuments(DocumentAccess.INTERNAL);
		Asked asked = ask("Leave?");
		// The backend's own computation wins over the role's default.
		Job job = new Job(asked.job.jobId(), "chat", payload(asked.job.jobId(), asked.job.userId(),
				asked.job.conversationId(), "Leave?", "GUEST", "INTERNAL"), 1, 3, "lease", 0, 0);

		this.handler.handle(job, (name, data) -> {
		});

		assertThat(this.retriever.calls).extracting(Call::access).containsExactly(DocumentAccess.INTERNAL);
		// A GUEST's default (PUBLIC) would have seen no document at all.
		assertThat(json.readTree((String) storedAnswer(asked).get("metadata")).get("citations"))
			.extracting((citation) -> citation.get("documentId").asString())
			.contains(LEAVE.toString());
	}

	@Test
	void aRemoteAnswerStreamsIsStoredWithItsModelAndSeesTheConversationSoFar() {
		this.handler = handler(AnswerProperties.Provider.OPENAI);
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		Asked earlier = ask("Hello");
		answered(earlier, "Hello! Ask me about leave [1].");
		Asked asked = ask(earlier, "How many days?");
		this.model.answer(MockModelServer.events(Duration.ZERO,
				MockModelServer.openAiAnswer("Every employee has ", "15 days a year [1]", " [5].")));
		List<Map.Entry<String, Map<String, ?>>> events = new ArrayList<>();

		this.handler.answer(asked.job, true, (name, data) -> events.add(Map.entry(name, data)));

		Map<String, Object> answer = storedAnswer(asked);
		assertThat(answer.get("content")).isEqualTo("Every employee has 15 days a year [1] [5].");
		assertThat(streamed(events)).isEqualTo(answer.get("content"));
		JsonNode metadata = json.readTree((String) answer.get("metadata"));
		assertThat(metadata.get("provider").asString()).isEqualTo("openai");
		assertThat(metadata.get("model").asString()).isEqualTo("test-model");
		assertThat(metadata.get("citations")).singleElement()
			.satisfies((citation) -> assertThat(citation.get("title").asString()).isEqualTo("Leave policy"));
		JsonNode sent = this.model.requests.get(0).body().get("messages");
		assertThat(sent).hasSize(4);
		assertThat(sent.get(1).get("content").asString()).isEqualTo("Hello");
		assertThat(sent.get(2).get("content").asString()).isEqualTo("Hello! Ask me about leave.");
		assertThat(sent.get(3).get("content").asString()).isEqualTo("How many days?");
	}

	@Test
	void withAnActiveDataKeyTheQuestionAndHistoryAreDecryptedAndTheAnswerStoredEncrypted() {
		DataCipher cipher = DataCipher.of("k1:" + DATA_KEY_1 + ",k2:" + DATA_KEY_2, "k2");
		this.handler = handler(AnswerProperties.Provider.OPENAI, new ChatMessages(jdbcClient, cipher), cipher);
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		// History in both forms: a question from before encryption, an answer written with the older key.
		Asked earlier = ask("Hello");
		answered(earlier, DataCipher.of("k1:" + DATA_KEY_1, "k1")
			.encrypt("Hello! Ask me about leave [1].", EncryptedFields.MESSAGE_CONTENT));
		Asked plain = ask(earlier, "How many days?");
		jdbc.update("UPDATE messages SET content = ? WHERE id = ?",
				cipher.encrypt("How many days?", EncryptedFields.MESSAGE_CONTENT), plain.questionId);
		ChatJobPayload job = new ChatJobPayload(plain.job.jobId(), plain.job.userId(), "GUEST", DocumentAccess.PUBLIC,
				plain.job.conversationId(), cipher.encrypt("How many days?", EncryptedFields.CHAT_JOB_MESSAGE),
				"trace-1");
		this.model.answer(MockModelServer.events(Duration.ZERO,
				MockModelServer.openAiAnswer("Every employee has ", "15 days a year [1]", ".")));
		List<Map.Entry<String, Map<String, ?>>> events = new ArrayList<>();

		this.handler.answer(job, true, (name, data) -> events.add(Map.entry(name, data)));

		assertThat(this.retriever.calls).extracting(Call::question).containsExactly("How many days?");
		JsonNode sent = this.model.requests.get(0).body().get("messages");
		assertThat(sent.get(1).get("content").asString()).isEqualTo("Hello");
		assertThat(sent.get(2).get("content").asString()).isEqualTo("Hello! Ask me about leave.");
		assertThat(sent.get(3).get("content").asString()).isEqualTo("How many days?");
		Map<String, Object> stored = storedAnswer(plain);
		String content = (String) stored.get("content");
		String metadata = (String) stored.get("metadata");
		assertThat(content).startsWith("pse1:k2:").doesNotContain("15 days");
		assertThat(json.readTree(metadata).propertyNames()).containsExactly("encrypted");
		assertThat(metadata).doesNotContain("Leave policy").doesNotContain("openai");
		assertThat(cipher.decrypt(content, EncryptedFields.MESSAGE_CONTENT))
			.isEqualTo("Every employee has 15 days a year [1].");
		JsonNode decrypted = json.readTree(cipher.decryptJson(metadata, EncryptedFields.MESSAGE_METADATA));
		assertThat(decrypted.get("provider").asString()).isEqualTo("openai");
		assertThat(decrypted.at("/citations/0/title").asString()).isEqualTo("Leave policy");
		Map<String, ?> answer = events.get(events.size() - 1).getValue();
		assertThat(answer.get("content")).isEqualTo("Every employee has 15 days a year [1].");

		// A second run finds the stored answer and sends it again, decrypted.
		List<Map.Entry<String, Map<String, ?>>> again = new ArrayList<>();
		this.handler.answer(job, true, (name, data) -> again.add(Map.entry(name, data)));
		assertThat(again).singleElement().satisfies((event) -> assertThat(event.getValue()).isEqualTo(answer));
	}

	@Test
	void aRemoteFailureBeforeTheLastAttemptIsRetriedAndStoresNothing() {
		this.handler = handler(AnswerProperties.Provider.OPENAI);
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		Asked asked = ask("How many days?");
		this.model.answer(MockModelServer.status(503, "application/json", "{\"error\":{\"message\":\"loading\"}}"));

		assertThatThrownBy(() -> this.handler.answer(asked.job, false, (name, data) -> {
		})).isInstanceOf(AnswerException.class).hasMessageContaining("answered 503: loading");
		assertThat(jdbc.queryForObject("SELECT count(*) FROM messages WHERE job_id = ? AND role = 'assistant'",
				Long.class, asked.job.jobId()))
			.isZero();
		assertThat(status(asked.questionId)).isEqualTo("pending");
	}

	@Test
	void onTheLastAttemptAFailedRemoteIsReplacedByTheOfflineAnswerAfterAReset() {
		this.handler = handler(AnswerProperties.Provider.OPENAI);
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		Asked asked = ask("How many days of leave do I have?");
		// Two tokens, then the stream ends without finishing.
		this.model.answer(MockModelServer.events(Duration.ZERO, MockModelServer.openAiChunk("Every "),
				MockModelServer.openAiChunk("employee")));
		List<Map.Entry<String, Map<String, ?>>> events = new ArrayList<>();

		this.handler.answer(asked.job, true, (name, data) -> events.add(Map.entry(name, data)));

		List<String> names = events.stream().map(Map.Entry::getKey).toList();
		int reset = names.indexOf("reset");
		assertThat(names.subList(0, reset)).containsExactly("token", "token");
		assertThat(events.get(reset).getValue())
			.isEqualTo(Map.of("resultCode", "SERVICE_UNAVAILABLE", "message", "the answer service is unavailable right now"));
		Map<String, Object> answer = storedAnswer(asked);
		assertThat((String) answer.get("content")).startsWith("The answer service is unavailable right now")
			.contains("[1]");
		// The tokens after the reset spell the stored answer.
		assertThat(streamed(events.subList(reset + 1, events.size()))).isEqualTo(answer.get("content"));
		JsonNode metadata = json.readTree((String) answer.get("metadata"));
		assertThat(metadata.get("provider").asString()).isEqualTo("offline");
		assertThat(metadata.get("degraded").asBoolean()).isTrue();
		assertThat(metadata.get("resultCode").asString()).isEqualTo("SERVICE_UNAVAILABLE");
		assertThat(metadata.get("citations")).hasSize(2);
		assertThat(events.get(events.size() - 1).getValue().get("degraded")).isEqualTo(true);
		assertThat(status(asked.questionId)).isEqualTo("answered");
	}

	@Test
	void throughTheRealQueueAGuestGetsTokensTheCitedAnswerAndCompleted() throws Exception {
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		Asked asked = ask("How many days of leave do I have?");
		List<String> names = runThroughTheQueue(asked, this.handler, "completed");

		assertThat(this.retriever.calls).extracting(Call::access).containsExactly(DocumentAccess.PUBLIC);
		List<MapRecord<String, Object, Object>> stream = events(asked);
		assertThat(names.get(0)).isEqualTo("token");
		assertThat(names.subList(names.size() - 2, names.size())).containsExactly("answer", "completed");
		assertThat(names.subList(0, names.size() - 2)).containsOnly("token");
		JsonNode answer = json.readTree((String) stream.get(stream.size() - 2).getValue().get("data"));
		assertThat(answer.get("jobId").asString()).isEqualTo(asked.job.jobId());
		assertThat(answer.get("messageId").asString()).isEqualTo(jdbc.queryForObject(
				"SELECT id::text FROM messages WHERE job_id = ? AND role = 'assistant'", String.class,
				asked.job.jobId()));
		assertThat(answer.get("citations")).hasSize(2);
		assertThat(answer.get("citations").get(0).get("n").asInt()).isEqualTo(1);
		assertThat(status(asked.questionId)).isEqualTo("answered");
	}

	@Test
	void throughTheRealQueueARefusedKeyFailsTheJobAtOnceWithTheBackendsResultCode() throws Exception {
		ChatJobHandler remote = handler(AnswerProperties.Provider.OPENAI);
		indexLeaveDocuments(DocumentAccess.PUBLIC);
		this.model.answer(MockModelServer.status(401, "application/json", "{\"error\":{\"message\":\"bad key\"}}"));
		Asked asked = ask("How many days of leave do I have?");

		List<String> names = runThroughTheQueue(asked, remote, "dead");

		assertThat(names).containsExactly("failed");
		JsonNode failed = json.readTree((String) events(asked).get(0).getValue().get("data"));
		assertThat(failed.get("resultCode").asString()).isEqualTo("INTERNAL_ERROR");
		assertThat(failed.get("message").asString()).isEqualTo(
				"the answer service is misconfigured; an administrator has to fix it");
		assertThat(failed.get("attempt").asInt()).isEqualTo(1);
		assertThat(this.model.requests).hasSize(1);
		assertThat(status(asked.questionId)).isEqualTo("failed");
		assertThat(json.readTree(jdbc.queryForObject("SELECT metadata::text FROM messages WHERE id = ?", String.class,
				asked.questionId)).get("resultCode").asString()).isEqualTo("INTERNAL_ERROR");
	}

	/** Enqueues the job as the backend does, runs a worker until the job is in {@code state}; the event names. */
	private static List<String> runThroughTheQueue(Asked asked, ChatJobHandler handler, String state) throws Exception {
		QueueProperties properties = new QueueProperties(true, "protostar:jobs:", "protostar:events:",
				List.of("chat", "ingestion"), 2, Duration.ofSeconds(30), Duration.ofSeconds(10), 3,
				Duration.ofMillis(50), Duration.ofSeconds(1), 0.5, Duration.ofSeconds(10), Duration.ofMillis(200),
				Duration.ofHours(24), 1000, Duration.ofMinutes(5), "chat-test-worker");
		JobQueue queue = new JobQueue(redis, redisConnections, properties);
		JobEvents events = new JobEvents(redis, properties.keys(), properties.eventsMaxLen(), properties.eventsTtl(),
				DataCipher.plaintext());
		JobWorker worker = new JobWorker(queue, events,
				new QueueMetrics(new SimpleMeterRegistry(), queue, properties.types()), List.of(handler));
		worker.start();
		try {
			// The payload exactly as the backend writes it.
			queue.enqueue(asked.job.jobId(), ChatJobPayload.TYPE, JobPayloads.write(asked.job), 3);
			long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			while (!state.equals(queue.job(asked.job.jobId()).get("state")) && System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			assertThat(queue.job(asked.job.jobId())).containsEntry("state", state);
		}
		finally {
			worker.stop();
		}
		return events(asked).stream().map((record) -> (String) record.getValue().get("event")).toList();
	}

	private static List<MapRecord<String, Object, Object>> events(Asked asked) {
		return redis.opsForStream().range("protostar:events:user:" + asked.job.userId(), Range.unbounded());
	}

	private static String streamed(List<Map.Entry<String, Map<String, ?>>> events) {
		return events.stream()
			.filter((event) -> event.getKey().equals("token"))
			.map((event) -> (String) event.getValue().get("text"))
			.reduce("", String::concat);
	}

	private static Map<String, Object> storedAnswer(Asked asked) {
		return jdbc.queryForMap("SELECT id, content, status, metadata::text AS metadata FROM messages"
				+ " WHERE job_id = ? AND role = 'assistant'", asked.job.jobId());
	}

	/** A user, a conversation and a pending question, as the backend stores them. */
	private static Asked ask(String message) {
		UUID userId = UUID.randomUUID();
		UUID conversationId = UUID.randomUUID();
		jdbc.update("INSERT INTO users (id, email, password_hash, display_name) VALUES (?, ?, 'x', 'Test')", userId,
				"user-" + userId + "@protostar.test");
		jdbc.update("INSERT INTO conversations (id, user_id, title) VALUES (?, ?, 'test')", conversationId, userId);
		return question(userId, conversationId, message);
	}

	/** Another question in the conversation of {@code earlier}. */
	private static Asked ask(Asked earlier, String message) {
		return question(UUID.fromString(earlier.job.userId()), UUID.fromString(earlier.job.conversationId()), message);
	}

	private static Asked question(UUID userId, UUID conversationId, String message) {
		UUID questionId = UUID.randomUUID();
		String jobId = UUID.randomUUID().toString();
		jdbc.update("INSERT INTO messages (id, conversation_id, role, content, job_id, status, created_at) "
				+ "VALUES (?, ?, 'user', ?, ?, 'pending', clock_timestamp())", questionId, conversationId, message, jobId);
		embeddings.chosen.put(message, QUESTION);
		return new Asked(new ChatJobPayload(jobId, userId.toString(), "GUEST", DocumentAccess.PUBLIC,
				conversationId.toString(), message, "trace-1"), questionId);
	}

	/** The question answered, as an earlier run of the worker leaves it. */
	private static void answered(Asked asked, String answer) {
		jdbc.update("UPDATE messages SET status = 'answered' WHERE id = ?", asked.questionId);
		jdbc.update("INSERT INTO messages (id, conversation_id, role, content, job_id, status, created_at) "
				+ "VALUES (?, ?::uuid, 'assistant', ?, ?, 'answered', clock_timestamp())", UUID.randomUUID(),
				asked.job.conversationId(), answer, asked.job.jobId());
	}

	private static String payload(String jobId, String userId, String conversationId, String message, String role,
			String documentAccess) {
		Map<String, Object> payload = new java.util.LinkedHashMap<>(Map.of("v", 1, "jobId", jobId, "userId", userId,
				"role", role, "conversationId", conversationId, "message", message, "traceId", "trace-1"));
		if (documentAccess != null) {
			payload.put("documentAccess", documentAccess);
		}
		return json.writeValueAsString(payload);
	}

	private static String status(UUID questionId) {
		return jdbc.queryForObject("SELECT status FROM messages WHERE id = ?", String.class, questionId);
	}

	private record Asked(ChatJobPayload job, UUID questionId) {
	}

	private record Call(String question, DocumentAccess access, int limit) {
	}

	/** The leave policy (one chunk) and the handbook (four, the last about leave), ready at this level. */
	private static void indexLeaveDocuments(DocumentAccess access) {
		documents.ready(LEAVE, "Leave policy", access, embeddings, LEAVE_TEXT);
		documents.ready(HANDBOOK, "Employee handbook", access, embeddings, HANDBOOK_TEXTS);
	}

	/** The real retriever, recording what it was asked. */
	private static final class RecordingRetriever implements Retriever {

		final List<Call> calls = new CopyOnWriteArrayList<>();

		private final Retriever retriever;

		RecordingRetriever(Retriever retriever) {
			this.retriever = retriever;
		}

		@Override
		public List<Passage> retrieve(String question, DocumentAccess access, int limit) {
			this.calls.add(new Call(question, access, limit));
			return this.retriever.retrieve(question, access, limit);
		}

	}

}
