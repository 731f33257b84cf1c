package dev.protostar.worker.ingestion;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import com.pgvector.PGvector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.jdbc.core.ConnectionCallback;

import dev.protostar.worker.embedding.EmbeddingException;
import dev.protostar.worker.embedding.OnnxEmbeddingProvider;
import dev.protostar.worker.queue.JobWorker;
import dev.protostar.worker.support.TestInfrastructure;

import static dev.protostar.worker.ingestion.TestDocuments.KOREAN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ingestion end to end through the queue: real PostgreSQL with the backend's
 * migrations, Redis and an S3-compatible server; the packaged ONNX model or a
 * deterministic stand-in.
 */
@Testcontainers
class IngestionIntegrationTests {

	private static final Set<String> DONE = Set.of("ready", "failed");

	@Container
	static final PostgreSQLContainer postgres = TestInfrastructure.postgres();

	@Container
	static final GenericContainer<?> redis = TestInfrastructure.redis();

	@Container
	static final GenericContainer<?> s3 = TestInfrastructure.s3proxy();

	static IngestionHarness harness;

	static OnnxEmbeddingProvider onnx;

	@BeforeAll
	static void setUp() throws Exception {
		harness = new IngestionHarness(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword(),
				redis.getHost(), redis.getMappedPort(6379), s3);
		TestInfrastructure.migrate(harness.dataSource);
		onnx = new OnnxEmbeddingProvider(16, 2);
	}

	@AfterAll
	static void tearDown() {
		harness.close();
		onnx.close();
	}

	@BeforeEach
	void reset() {
		harness.reset();
	}

	@AfterEach
	void stopWorkers() {
		harness.stopWorkers();
	}

	@Test
	void everyFormatBecomesReadyWithItsChunksAndKoreanSurvives() throws Exception {
		IngestionJobHandler handler = harness.handler(onnx);
		harness.worker("w1", handler);
		String longText = TestDocuments.prose(3000, 1) + "\n\n" + KOREAN;
		Map<UUID, String> expected = new java.util.LinkedHashMap<>();
		expected.put(harness.document("policy.txt", "text/plain; charset=utf-8", longText.getBytes(StandardCharsets.UTF_8)),
				longText);
		expected.put(harness.document("rules.md", "text/markdown",
				("# 휴가\n\n**" + KOREAN + "**").getBytes(StandardCharsets.UTF_8)), "휴가\n\n" + KOREAN);
		expected.put(harness.document("leave.pdf", "application/pdf",
				TestDocuments.pdf("Annual leave is fifteen days per year.")), "Annual leave is fifteen days per year.");
		expected.put(harness.document("handbook.docx", TextExtractor.DOCX, TestDocuments.docx("Handbook", KOREAN)),
				"Handbook\n" + KOREAN);
		int n = 0;
		for (UUID id : expected.keySet()) {
			harness.enqueue(id, 1);
		}
		for (Map.Entry<UUID, String> entry : expected.entrySet()) {
			UUID id = entry.getKey();
			harness.awaitStatus(id, DONE);
			Map<String, Object> row = harness.row(id);
			assertThat(row.get("status")).as("%s: %s", row.get("filename"), row.get("error")).isEqualTo("ready");
			List<String> chunks = new Chunker(400, 60).chunk(entry.getValue());
			assertThat(row.get("chunk_count")).isEqualTo(chunks.size());
			assertThat(row.get("embedding_model")).isEqualTo("all-minilm-l6-v2-q");
			assertThat(row.get("embedding_dimension")).isEqualTo(384);
			assertThat(row.get("error")).isNull();
			assertThat(row.get("content_sha256")).asString().hasSize(64);
			assertThat((Timestamp) row.get("status_changed_at")).isAfterOrEqualTo((Timestamp) row.get("ingest_started_at"));
			assertThat(harness.jdbc.queryForList("SELECT content FROM document_chunks WHERE document_id = ?"
					+ " ORDER BY chunk_index", String.class, id)).isEqualTo(chunks);
			assertThat(harness.jdbc.queryForObject("SELECT count(*) FROM document_chunks WHERE document_id = ?"
					+ " AND vector_dims(embedding) = 384 AND embedding_model = 'all-minilm-l6-v2-q'"
					+ " AND token_count > 0 AND char_count = length(content)", Integer.class, id))
				.isEqualTo(chunks.size());
			n += chunks.size();
		}
		assertThat(n).isGreaterThan(8);
		assertThat(harness.jdbc.queryForObject("SELECT count(*) FROM document_chunks WHERE content LIKE ?",
				Integer.class, "%" + KOREAN + "%")).isEqualTo(3);

		List<MapRecord<String, Object, Object>> events = harness.redis.opsForStream()
			.range("protostar:events:user:u-admin", Range.unbounded());
		assertThat(events).extracting((e) -> e.getValue().get("event")).contains("progress", "completed");
		assertThat(events).extracting((e) -> (String) e.getValue().get("data"))
			.anySatisfy((data) -> assertThat(data).contains("\"stage\":\"ready\""));
	}

	@Test
	void badInputFailsWithAReasonAndTheWorkerGoesOn() throws Exception {
		JobWorker worker = harness.worker("w1", harness.handler(onnx, 1024 * 1024, 100_000, 400, 60),
				Duration.ofSeconds(30), Duration.ofSeconds(10), 1);
		Map<UUID, String> reasons = new java.util.LinkedHashMap<>();
		reasons.put(harness.document("broken.pdf", "application/pdf",
				"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage %%EOF".getBytes(StandardCharsets.US_ASCII)), "PDF");
		reasons.put(harness.document("empty.txt", "text/plain", new byte[0]), "the file is empty");
		reasons.put(harness.document("cat.png", "image/png",
				new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13 }),
				"unsupported content type 'image/png'");
		reasons.put(harness.document("renamed.txt", "text/plain", TestDocuments.pdf("I am a PDF")),
				"declared as text/plain but the content is a PDF");
		reasons.put(harness.document("huge.txt", "text/plain", new byte[1024 * 1024 + 1]),
				"larger than the limit of 1048576 bytes");
		reasons.put(harness.document("long.txt", "text/plain",
				"x ".repeat(60_000).getBytes(StandardCharsets.US_ASCII)), "more than 100000 characters");
		for (UUID id : reasons.keySet()) {
			harness.enqueue(id, 1);
		}
		UUID good = harness.document("good.txt", "text/plain", "Still working after all that.".getBytes(StandardCharsets.UTF_8));
		harness.enqueue(good, 1);

		assertFailedForGood(reasons);
		harness.awaitStatus(good, DONE);
		assertThat(harness.status(good)).isEqualTo("ready");
		assertThat(worker.loopAlive()).isTrue();
	}

	@Test
	void craftedFilesFailWithTheLimitTheyHitAndTheWorkerGoesOn() throws Exception {
		JobWorker worker = harness.worker("w1", harness.handler(onnx), Duration.ofSeconds(30), Duration.ofSeconds(10),
				1);
		long mb = 1024 * 1024;
		Map<UUID, String> reasons = new java.util.LinkedHashMap<>();
		// A gigabyte of one letter deflated to a megabyte.
		reasons.put(harness.document("bomb.docx", TextExtractor.DOCX, TestDocuments.docxWithText(1024 * mb, 0)),
				"(a zip bomb?), the limit (protostar.ingestion.min-docx-inflate-ratio = 0.01)");
		// 256 MB of XML at some 45 to 1: through the ratio guard, not past the entry size.
		reasons.put(harness.document("dense.docx", TextExtractor.DOCX, TestDocuments.docxWithText(256 * mb, 100)),
				"unpacks to more than 20 MB, the limit (protostar.ingestion.max-docx-entry-size)");
		reasons.put(harness.document("pages.pdf", TextExtractor.PDF, TestDocuments.pdfWithPages(5000, null)),
				"the PDF has more than 2000 pages, the limit (protostar.ingestion.max-pages)");
		reasons.put(harness.document("blank.pdf", TextExtractor.PDF, TestDocuments.pdfWithBlankContent(512 * mb)),
				"decodes to more than 64 MB, the limit (protostar.ingestion.max-pdf-stream-size)");
		for (UUID id : reasons.keySet()) {
			harness.enqueue(id, 1);
		}
		// Queued behind them, on the same single job thread.
		UUID good = harness.document("good.docx", TextExtractor.DOCX, TestDocuments.docx("Still working after all that."));
		harness.enqueue(good, 1);

		assertFailedForGood(reasons);
		harness.awaitStatus(good, DONE);
		assertThat(harness.row(good)).containsEntry("status", "ready");
		assertThat(worker.loopAlive()).isTrue();
		TextExtractorLimitsTests.awaitNoParseThreads();
	}

	@Test
	void aFiftyMegabyteTextFailsWithAReason() throws Exception {
		harness.worker("w1", harness.handler(onnx, 50L * 1024 * 1024, 5_000_000, 1000, 150));
		byte[] line = "Fifty megabytes of text is far more than any policy document needs.\n"
			.getBytes(StandardCharsets.US_ASCII);
		byte[] content = new byte[50_000_000];
		for (int i = 0; i < content.length; i++) {
			content[i] = line[i % line.length];
		}
		UUID id = harness.document("fifty.txt", "text/plain", content);
		harness.enqueue(id, 1);

		harness.awaitStatus(id, DONE);
		assertThat(harness.row(id)).containsEntry("status", "failed");
		assertThat(harness.row(id).get("error")).asString().contains("more than 5000000 characters");
	}

	@Test
	void aMissingDocumentIsANoOpAndAMissingObjectFails() throws Exception {
		harness.worker("w1", harness.handler(onnx));
		UUID never = UUID.randomUUID();
		String jobId = harness.enqueue(never, 1);
		UUID id = harness.document("gone.txt", "text/plain", "text".getBytes(StandardCharsets.UTF_8));
		harness.jdbc.update("UPDATE documents SET object_key = 'documents/not-there.txt' WHERE id = ?", id);
		harness.enqueue(id, 1);

		IngestionHarness.await(Duration.ofSeconds(30), "the job for no document completes",
				() -> "completed".equals(harness.producer.job(jobId).get("state")));
		harness.awaitStatus(id, DONE);
		assertThat(harness.row(id)).containsEntry("status", "failed");
		assertThat(harness.row(id).get("error")).asString().contains("missing from object storage");
	}

	@Test
	void reRunningAReadyDocumentChangesNothing() throws Exception {
		FakeEmbeddingProvider model = new FakeEmbeddingProvider("fake-a", 8, 4);
		harness.worker("w1", harness.handler(model));
		UUID id = harness.document("a.txt", "text/plain", TestDocuments.prose(5000, 2).getBytes(StandardCharsets.UTF_8));
		harness.enqueue(id, 1);
		harness.awaitStatus(id, DONE);
		assertThat(harness.status(id)).isEqualTo("ready");
		Map<String, Object> before = harness.row(id);
		List<Map<String, Object>> chunksBefore = chunkVersions(id);
		int embedded = model.texts.get();

		String again = harness.enqueue(id, 2);
		IngestionHarness.await(Duration.ofSeconds(30), "the second job completes",
				() -> "completed".equals(harness.producer.job(again).get("state")));

		assertThat(harness.row(id)).isEqualTo(before);
		assertThat(chunkVersions(id)).isEqualTo(chunksBefore);
		assertThat(model.texts.get()).isEqualTo(embedded);
	}

	@Test
	void aRunCutShortIsResumedWithExactlyTheRightChunks() throws Exception {
		FakeEmbeddingProvider model = new FakeEmbeddingProvider("fake-a", 8, 4);
		String text = TestDocuments.prose(16_000, 3);
		int expected = new Chunker(400, 60).chunk(text).size();
		// The first run dies (no catch block sees it) before its third batch; its lease
		// is not renewed any more, so after 2 s another worker takes the job over.
		model.beforeBatch = (batch, texts) -> {
			if (batch == 3) {
				throw new FakeEmbeddingProvider.SimulatedCrash();
			}
		};
		IngestionJobHandler handler = harness.handler(model);
		harness.worker("w1", handler, Duration.ofSeconds(2), Duration.ofMillis(500), 1);
		harness.worker("w2", handler, Duration.ofSeconds(2), Duration.ofMillis(500), 1);
		UUID id = harness.document("long.txt", "text/plain", text.getBytes(StandardCharsets.UTF_8));
		String jobId = harness.enqueue(id, 1);

		harness.awaitStatus(id, DONE);
		assertThat(harness.status(id)).isEqualTo("ready");
		assertThat(harness.row(id)).containsEntry("chunk_count", expected);
		assertThat(harness.chunkIndexes(id)).isEqualTo(IntStream.range(0, expected).boxed().toList());
		// Resumed, not restarted: the two batches of the first run were not embedded again.
		assertThat(model.texts.get()).isEqualTo(expected);
		assertThat(harness.producer.job(jobId).get("attempts")).isEqualTo("2");
	}

	@Test
	void aShorterReRunDropsTheChunksPastTheNewEnd() throws Exception {
		FakeEmbeddingProvider model = new FakeEmbeddingProvider("fake-a", 8, 4);
		harness.worker("w1", harness.handler(model));
		String text = TestDocuments.prose(8000, 4);
		UUID id = harness.document("a.txt", "text/plain", text.getBytes(StandardCharsets.UTF_8));
		harness.enqueue(id, 1);
		harness.awaitStatus(id, DONE);
		int longer = harness.chunkRows(id);

		// The backend's reindex after a new upload: new content, status back to waiting, a new job.
		String shorter = text.substring(0, 3000);
		TestInfrastructure.put(harness.s3, (String) harness.row(id).get("object_key"),
				shorter.getBytes(StandardCharsets.UTF_8), "text/plain");
		harness.jdbc.update("UPDATE documents SET status = 'waiting', status_changed_at = now() WHERE id = ?", id);
		int embeddedBefore = model.texts.get();
		harness.enqueue(id, 2);
		IngestionHarness.await(Duration.ofSeconds(30), "re-run is ready",
				() -> "ready".equals(harness.status(id)) && harness.chunkRows(id) < longer);

		int expected = new Chunker(400, 60).chunk(shorter).size();
		assertThat(harness.chunkIndexes(id)).isEqualTo(IntStream.range(0, expected).boxed().toList());
		assertThat(harness.row(id)).containsEntry("chunk_count", expected);
		// Chunks whose text did not change were kept, not embedded again.
		assertThat(model.texts.get() - embeddedBefore).isLessThan(expected);
	}

	@Test
	void switchingTheModelReEmbedsEveryDocumentAndIndexesTheNewModel() throws Exception {
		FakeEmbeddingProvider a = new FakeEmbeddingProvider("fake-a", 8, 4);
		harness.worker("old", harness.handler(a));
		List<UUID> ids = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			UUID id = harness.document("d" + i + ".txt", "text/plain",
					TestDocuments.prose(2000, 10 + i).getBytes(StandardCharsets.UTF_8));
			harness.enqueue(id, 1);
			ids.add(id);
		}
		for (UUID id : ids) {
			harness.awaitStatus(id, DONE);
		}
		harness.stopWorkers();

		FakeEmbeddingProvider b = new FakeEmbeddingProvider("Fake/B v2", 16, 4);
		int enqueued = new ReembedOnStart(harness.documents, b, harness.producer).run();
		assertThat(enqueued).isEqualTo(3);
		assertThat(new ReembedOnStart(harness.documents, b, harness.producer).run()).as("a second worker starting")
			.isZero();
		harness.worker("new", harness.handler(b));
		IngestionHarness.await(Duration.ofSeconds(60), "every document is re-embedded", () -> ids.stream()
			.allMatch((id) -> "Fake/B v2".equals(harness.row(id).get("embedding_model"))));

		assertThat(harness.jdbc.queryForList("SELECT DISTINCT embedding_model || ':' || vector_dims(embedding)"
				+ " FROM document_chunks", String.class)).containsExactly("Fake/B v2:16");
		for (UUID id : ids) {
			assertThat(harness.row(id)).containsEntry("status", "ready").containsEntry("embedding_dimension", 16);
		}
		String index = VectorIndexes.indexName("Fake/B v2", 16);
		assertThat(index).startsWith("document_chunks_hnsw_fake_b_v2_16_");
		assertThat(explainKnn("Fake/B v2", 16)).contains(index);
	}

	@Test
	void cosineKnnUsesTheHnswIndexOfTheModel() throws Exception {
		harness.worker("w1", harness.handler(onnx));
		UUID leave = harness.document("leave.txt", "text/plain",
				"Annual leave: every employee gets fifteen paid vacation days per year.".getBytes(StandardCharsets.UTF_8));
		UUID security = harness.document("security.txt", "text/plain",
				"The server room door must stay locked; badges are checked at night.".getBytes(StandardCharsets.UTF_8));
		harness.enqueue(leave, 1);
		harness.enqueue(security, 1);
		harness.awaitStatus(leave, DONE);
		harness.awaitStatus(security, DONE);

		assertThat(explainKnn("all-minilm-l6-v2-q", 384)).contains("document_chunks_hnsw_all_minilm_l6_v2_q_384");
		PGvector question = new PGvector(onnx.embed(List.of("How many holidays do I get?")).get(0).vector());
		UUID nearest = harness.jdbc.queryForObject("SELECT document_id FROM document_chunks"
				+ " WHERE embedding_model = 'all-minilm-l6-v2-q'"
				+ " ORDER BY embedding::vector(384) <=> ? LIMIT 1", UUID.class, question);
		assertThat(nearest).isEqualTo(leave);
	}

	@Test
	void aDocumentDeletedDuringIngestionEndsTheJobQuietly() throws Exception {
		FakeEmbeddingProvider model = new FakeEmbeddingProvider("fake-a", 8, 4);
		UUID id = harness.document("a.txt", "text/plain", TestDocuments.prose(6000, 5).getBytes(StandardCharsets.UTF_8));
		model.beforeBatch = (batch, texts) -> {
			if (batch == 3) {
				harness.jdbc.update("DELETE FROM documents WHERE id = ?", id);
			}
		};
		harness.worker("w1", harness.handler(model));
		String jobId = harness.enqueue(id, 1);

		IngestionHarness.await(Duration.ofSeconds(30), "the job completes",
				() -> "completed".equals(harness.producer.job(jobId).get("state")));
		assertThat(harness.status(id)).isEqualTo("gone");
		assertThat(harness.chunkRows(id)).isZero();
	}

	@Test
	void anEmbeddingServerThatRefusesTheInputFailsTheDocument() throws Exception {
		FakeEmbeddingProvider model = new FakeEmbeddingProvider("fake-a", 8, 4);
		model.beforeBatch = (batch, texts) -> {
			throw new EmbeddingException("http://embed/v1/embeddings answered 400: input too long", false);
		};
		harness.worker("w1", harness.handler(model));
		UUID id = harness.document("a.txt", "text/plain", "some text".getBytes(StandardCharsets.UTF_8));
		String jobId = harness.enqueue(id, 1);

		harness.awaitStatus(id, DONE);
		assertThat(harness.row(id)).containsEntry("status", "failed");
		assertThat(harness.row(id).get("error")).asString().contains("answered 400: input too long");
		IngestionHarness.await(Duration.ofSeconds(10), "the job is dead",
				() -> "dead".equals(harness.producer.job(jobId).get("state")));
	}

	/**
	 * Each document ends {@code failed} with an error containing its reason, no chunks, and
	 * its job (the first, {@code -1}) dead-lettered after one attempt: failed for good, not
	 * retried, and listed by {@code protostar jobs dlq list}.
	 */
	private static void assertFailedForGood(Map<UUID, String> reasons) {
		for (Map.Entry<UUID, String> entry : reasons.entrySet()) {
			harness.awaitStatus(entry.getKey(), DONE);
			Map<String, Object> row = harness.row(entry.getKey());
			assertThat(row.get("status")).as((String) row.get("filename")).isEqualTo("failed");
			assertThat(row.get("error")).as((String) row.get("filename")).asString().contains(entry.getValue());
			assertThat(harness.chunkRows(entry.getKey())).isZero();
			// The handler records the failure in PostgreSQL before the worker dead-letters
			// the job in Redis: a round trip later.
			String jobId = "ingest-" + entry.getKey() + "-1";
			IngestionHarness.await(Duration.ofSeconds(10), jobId + " is dead",
					() -> "dead".equals(harness.producer.job(jobId).get("state")));
			assertThat(harness.producer.job(jobId)).containsEntry("state", "dead").containsEntry("attempts", "1");
		}
	}

	/** The plan of a cosine kNN query, with sequential scans off so a tiny table still shows the index. */
	private static String explainKnn(String model, int dimension) {
		float[] probe = new float[dimension];
		probe[dimension - 1] = 1;
		return harness.jdbc.execute((ConnectionCallback<String>) (connection) -> {
			try (Statement statement = connection.createStatement();
					PreparedStatement explain = connection.prepareStatement("EXPLAIN SELECT document_id FROM"
							+ " document_chunks WHERE embedding_model = '" + model + "' ORDER BY embedding::vector("
							+ dimension + ") <=> ? LIMIT 5")) {
				statement.execute("SET enable_seqscan = off");
				StringBuilder plan = new StringBuilder();
				// As the retriever sends it: a PGvector parameter.
				explain.setObject(1, new PGvector(probe));
				try (ResultSet rs = explain.executeQuery()) {
					while (rs.next()) {
						plan.append(rs.getString(1)).append('\n');
					}
				}
				statement.execute("RESET enable_seqscan");
				return plan.toString();
			}
		});
	}

	private static List<Map<String, Object>> chunkVersions(UUID id) {
		return harness.jdbc.queryForList("SELECT chunk_index, xmin::text AS version, updated_at, content_sha256"
				+ " FROM document_chunks WHERE document_id = ? ORDER BY chunk_index", id);
	}

}
