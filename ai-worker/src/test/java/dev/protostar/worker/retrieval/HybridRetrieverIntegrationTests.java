package dev.protostar.worker.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import com.pgvector.PGvector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.core.BaseConnection;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.worker.embedding.EmbeddingException;
import dev.protostar.worker.embedding.EmbeddingProvider;
import dev.protostar.worker.embedding.OnnxEmbeddingProvider;
import dev.protostar.worker.ingestion.FakeEmbeddingProvider;
import dev.protostar.worker.support.TestInfrastructure;

import static dev.protostar.worker.retrieval.TestVectors.normalised;
import static dev.protostar.worker.retrieval.TestVectors.towards;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Hybrid retrieval against real PostgreSQL with pgvector and the backend's migrations,
 * with a stand-in model whose vectors each test chooses.
 */
@Testcontainers
class HybridRetrieverIntegrationTests {

	private static final String MODEL = OnnxEmbeddingProvider.MODEL;

	private static final int DIM = OnnxEmbeddingProvider.DIMENSION;

	@Container
	static final PostgreSQLContainer postgres = TestInfrastructure.postgres();

	static RetrievalFixture fixture;

	private final FakeEmbeddingProvider embeddings = new FakeEmbeddingProvider(MODEL, DIM, 64);

	@BeforeAll
	static void setUp() {
		fixture = new RetrievalFixture(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
	}

	@AfterAll
	static void tearDown() {
		fixture.close();
	}

	@BeforeEach
	void reset() {
		fixture.reset();
	}

	/**
	 * Vectors travel as pgvector-java's type, registered on every connection of the pool
	 * (VectorTypes): read back as a PGvector, sent and received in binary form. A pool
	 * without the registration still works, in text, and would fail this test.
	 */
	@Test
	void vectorsTravelAsPgvectorsInBinaryForm() {
		float[] written = jitter(new Random(7), 0.5);
		UUID id = fixture.document("round trip", DocumentAccess.PUBLIC, "ready");
		fixture.chunks(id, List.of("round trip"), List.of(written), MODEL);

		Object read = fixture.jdbc.queryForObject("SELECT embedding FROM document_chunks WHERE document_id = ?",
				Object.class, id);
		assertThat(read).isInstanceOf(PGvector.class);
		assertThat(((PGvector) read).toArray()).containsExactly(written);
		assertThat(fixture.jdbc.execute((ConnectionCallback<Boolean>) (connection) -> {
			BaseConnection pg = connection.unwrap(BaseConnection.class);
			int oid = pg.getTypeInfo().getPGType("vector");
			return oid > 0 && pg.binaryTransferSend(oid);
		})).as("vectors are sent in binary").isTrue();

		Object unregistered = new JdbcTemplate(new DriverManagerDataSource(postgres.getJdbcUrl(),
				postgres.getUsername(), postgres.getPassword()))
			.queryForObject("SELECT embedding FROM document_chunks WHERE document_id = ?", Object.class, id);
		assertThat(unregistered).isNotInstanceOf(PGvector.class);
	}

	@Test
	void neverReturnsAChunkAboveTheReadersLevelNorOfADocumentThatIsNotReady() {
		String text = "Annual leave policy: employees receive fifteen days of annual leave.";
		UUID publicDoc = fixture.ready("public", DocumentAccess.PUBLIC, this.embeddings, text);
		UUID internalDoc = fixture.ready("internal", DocumentAccess.INTERNAL, this.embeddings, text + " Internal.");
		UUID confidentialDoc = fixture.ready("confidential", DocumentAccess.CONFIDENTIAL, this.embeddings,
				text + " Confidential.");
		for (String status : List.of("waiting", "parsing", "embedding", "failed")) {
			UUID id = fixture.document("not ready " + status, DocumentAccess.PUBLIC, status);
			fixture.chunks(id, List.of(text), this.embeddings.embed(List.of(text)).stream()
				.map(EmbeddingProvider.Embedding::vector)
				.toList(), MODEL);
		}
		HybridRetriever retriever = fixture.retriever(this.embeddings);
		String question = "How many days of annual leave?";
		for (RetrievalMode mode : RetrievalMode.values()) {
			assertThat(documents(retriever.retrieve(question, DocumentAccess.PUBLIC, 10, mode))).as(mode.name())
				.containsExactly(publicDoc);
			assertThat(documents(retriever.retrieve(question, DocumentAccess.INTERNAL, 10, mode))).as(mode.name())
				.containsExactlyInAnyOrder(publicDoc, internalDoc);
			assertThat(documents(retriever.retrieve(question, DocumentAccess.CONFIDENTIAL, 10, mode)))
				.as(mode.name())
				.containsExactlyInAnyOrder(publicDoc, internalDoc, confidentialDoc);
		}
	}

	@Test
	void manyNearerConfidentialChunksDoNotStarveAPublicReader() {
		// 2,000 confidential chunks right next to the question, 30 public ones further off:
		// the first ef_search (40) candidates of the HNSW scan are all confidential.
		Random random = new Random(5);
		List<String> texts = new ArrayList<>();
		List<float[]> near = new ArrayList<>();
		for (int i = 0; i < 2000; i++) {
			texts.add("confidential " + i);
			near.add(jitter(random, 0.05));
		}
		fixture.chunks(fixture.document("secret", DocumentAccess.CONFIDENTIAL, "ready"), texts, near, MODEL);
		List<String> publicTexts = new ArrayList<>();
		List<float[]> far = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			publicTexts.add("public " + i);
			far.add(jitter(random, 0.6));
		}
		UUID publicDoc = fixture.document("public", DocumentAccess.PUBLIC, "ready");
		fixture.chunks(publicDoc, publicTexts, far, MODEL);
		fixture.jdbc.execute("ANALYZE");
		this.embeddings.chosen.put("the question", towards(DIM, 0, 1, 0));
		HybridRetriever retriever = fixture.retriever(this.embeddings);

		List<String> plan = fixture.transactions.execute((status) -> {
			fixture.jdbc.queryForList("SELECT set_config('hnsw.iterative_scan', 'off', true)");
			return fixture.jdbc.queryForList("EXPLAIN " + retriever.vectorSql(DocumentAccess.PUBLIC), String.class,
					new PGvector(towards(DIM, 0, 1, 0)), 10);
		});
		assertThat(String.join("\n", plan)).as("the model's partial HNSW index is used")
			.contains("document_chunks_hnsw_all_minilm_l6_v2_q_384");
		// Without an iterative scan the same query would starve (so this test can fail).
		int without = fixture.transactions.execute((status) -> {
			fixture.jdbc.queryForList("SELECT set_config('hnsw.iterative_scan', 'off', true)");
			return fixture.jdbc.queryForList(retriever.vectorSql(DocumentAccess.PUBLIC),
					new PGvector(towards(DIM, 0, 1, 0)), 10).size();
		});
		assertThat(without).isLessThan(10);

		List<Passage> passages = retriever.retrieve("the question", DocumentAccess.PUBLIC, 10, RetrievalMode.VECTOR);
		assertThat(passages).hasSize(10);
		assertThat(documents(passages)).containsExactly(publicDoc);
	}

	@Test
	void aKoreanQuestionFindsAKoreanChunkThatSharesAStemButNoWholeWord() {
		String parental = "육아휴직을 신청하려면 휴직 시작 30일 전까지 인사팀에 신청서를 제출해야 합니다.";
		UUID parentalDoc = fixture.ready("육아휴직", DocumentAccess.PUBLIC, this.embeddings, parental);
		fixture.ready("연차", DocumentAccess.PUBLIC, this.embeddings, "연차휴가는 입사 첫해에 11일이 주어집니다.");
		fixture.ready("expenses", DocumentAccess.PUBLIC, this.embeddings, "Expenses are reimbursed monthly.");
		String question = "육아휴직은 언제까지 신청해야 하나요?";
		// Whole words (as PostgreSQL's 'simple' configuration splits them) have nothing in common.
		assertThat(fixture.jdbc.queryForObject("SELECT count(*) FROM (SELECT unnest(tsvector_to_array("
				+ "to_tsvector('simple', ?))) INTERSECT SELECT unnest(tsvector_to_array(to_tsvector('simple', ?)))) w",
				Integer.class, parental, question))
			.isZero();
		List<Passage> passages = fixture.retriever(this.embeddings)
			.retrieve(question, DocumentAccess.PUBLIC, 3, RetrievalMode.LEXICAL);
		assertThat(passages).isNotEmpty();
		assertThat(passages.get(0).documentId()).isEqualTo(parentalDoc);
		assertThat(passages.get(0).content()).isEqualTo(parental);
	}

	@Test
	void reciprocalRankFusionPrefersAChunkBothRankingsPlaceWell() {
		this.embeddings.chosen.put("annual leave carry over", towards(DIM, 0, 1, 0));
		this.embeddings.chosen.put("V", towards(DIM, 0, 1, 0));
		this.embeddings.chosen.put("B carry over", towards(DIM, 0, 1, 0.5));
		this.embeddings.chosen.put("F", towards(DIM, 0, 1, 1.2));
		this.embeddings.chosen.put("L annual leave carry over annual leave", towards(DIM, 2, 1, 0));
		// kNN: V, B, F, L; lexical: L, B. Fused: B (1/62 + 1/62) > L (1/64 + 1/61) > V (1/61) > F (1/63).
		UUID doc = fixture.ready("fusion", DocumentAccess.PUBLIC, this.embeddings, "V", "B carry over", "F",
				"L annual leave carry over annual leave");
		HybridRetriever retriever = fixture.retriever(this.embeddings);
		assertThat(contents(retriever.retrieve("annual leave carry over", DocumentAccess.PUBLIC, 4,
				RetrievalMode.VECTOR))).containsExactly("V", "B carry over", "F", "L annual leave carry over annual leave");
		assertThat(contents(retriever.retrieve("annual leave carry over", DocumentAccess.PUBLIC, 4,
				RetrievalMode.LEXICAL))).containsExactly("L annual leave carry over annual leave", "B carry over");
		List<Passage> fused = retriever.retrieve("annual leave carry over", DocumentAccess.PUBLIC, 4);
		assertThat(contents(fused)).containsExactly("B carry over", "L annual leave carry over annual leave", "V",
				"F");
		assertThat(fused.get(0).score()).isEqualTo(2.0 / 62, org.assertj.core.data.Offset.offset(1e-12));
		assertThat(fused).allSatisfy((p) -> assertThat(p.documentId()).isEqualTo(doc));
	}

	@Test
	void chunksOfAnotherEmbeddingModelAreNeverReturned() {
		String text = "Remote work is allowed two days a week with manager approval.";
		UUID mine = fixture.ready("mine", DocumentAccess.PUBLIC, this.embeddings, text);
		// Same words, another model with another dimension: a leftover of a model switch.
		FakeEmbeddingProvider other = new FakeEmbeddingProvider("other-model", 8, 64);
		UUID theirs = fixture.ready("theirs", DocumentAccess.PUBLIC, other, text, text + " Again.");
		HybridRetriever retriever = fixture.retriever(this.embeddings);
		for (RetrievalMode mode : RetrievalMode.values()) {
			assertThat(documents(retriever.retrieve("remote work days", DocumentAccess.CONFIDENTIAL, 10, mode)))
				.as(mode.name())
				.containsExactly(mine)
				.doesNotContain(theirs);
		}
	}

	@Test
	void questionTextNeverBreaksTheQuery() {
		String text = "Security: report a lost laptop to the IT helpdesk within 24 hours.";
		fixture.ready("security", DocumentAccess.PUBLIC, this.embeddings, text);
		HybridRetriever retriever = fixture.retriever(this.embeddings);
		List<String> questions = List.of("'; DROP TABLE documents; --", "laptop' | '1' <-> !x:* & (", "\\", "''''",
				"a & b | !c <-> d:*", "휴가' OR 1=1 --", "lost\u0000laptop", "(((", "laptop:*A", "?!...", "what is it?",
				"laptop ".repeat(5000));
		for (String question : questions) {
			for (RetrievalMode mode : RetrievalMode.values()) {
				assertThat(retriever.retrieve(question, DocumentAccess.PUBLIC, 5, mode)).as(question).isNotNull();
			}
		}
		assertThat(retriever.retrieve("?!...", DocumentAccess.PUBLIC, 5, RetrievalMode.LEXICAL)).isEmpty();
		assertThat(retriever.retrieve("laptop' | '1' <-> !x:* & (", DocumentAccess.PUBLIC, 5, RetrievalMode.LEXICAL))
			.extracting(Passage::content)
			.containsExactly(text);
		assertThat(retriever.retrieve("   ", DocumentAccess.PUBLIC, 5)).isEmpty();
		assertThat(fixture.jdbc.queryForObject("SELECT count(*) FROM documents", Integer.class)).isEqualTo(1);
	}

	@Test
	void withoutTheModelHybridRetrievalFallsBackToTheLexicalRanking() {
		String text = "Parental leave lasts up to one year per child.";
		UUID id = fixture.ready("parental", DocumentAccess.PUBLIC, this.embeddings, text);
		EmbeddingProvider away = new EmbeddingProvider() {

			@Override
			public String model() {
				return MODEL;
			}

			@Override
			public int dimension() {
				return DIM;
			}

			@Override
			public int maxBatchSize() {
				return 1;
			}

			@Override
			public List<Embedding> embed(List<String> texts) {
				throw new EmbeddingException("connection refused", true, null);
			}

		};
		HybridRetriever retriever = fixture.retriever(away);
		assertThat(documents(retriever.retrieve("parental leave", DocumentAccess.PUBLIC, 5))).containsExactly(id);
		assertThatExceptionOfType(EmbeddingException.class)
			.isThrownBy(() -> retriever.retrieve("parental leave", DocumentAccess.PUBLIC, 5, RetrievalMode.VECTOR));
	}

	@Test
	void theBackfillGivesTermsToChunksWrittenWithout() {
		String text = "Onboarding: new employees get their laptop on the first day.";
		UUID id = fixture.ready("onboarding", DocumentAccess.PUBLIC, this.embeddings, text);
		fixture.jdbc.update("UPDATE document_chunks SET lexemes = NULL"); // as written before V5
		HybridRetriever retriever = fixture.retriever(this.embeddings);
		assertThat(retriever.retrieve("onboarding laptop", DocumentAccess.PUBLIC, 5, RetrievalMode.LEXICAL)).isEmpty();

		LexicalUpkeep backfill = new LexicalUpkeep(fixture.jdbc, fixture.transactions,
				new LexemeColumn(fixture.jdbc), fixture.commonTerms, 1, java.time.Duration.ZERO);
		fixture.ready("more", DocumentAccess.PUBLIC, this.embeddings, "a", "b");
		fixture.jdbc.update("UPDATE document_chunks SET lexemes = NULL");
		assertThat(backfill.run()).isEqualTo(3);
		assertThat(backfill.run()).isZero();
		assertThat(documents(retriever.retrieve("onboarding laptop", DocumentAccess.PUBLIC, 5, RetrievalMode.LEXICAL)))
			.containsExactly(id);
		assertThat(fixture.jdbc.queryForObject("SELECT lexemes::text FROM document_chunks WHERE document_id = ?",
				String.class, id))
			.isEqualTo(fixture.jdbc.queryForObject("SELECT ?::tsvector::text", String.class,
					LexicalTerms.tsvector(text)));
	}

	@Test
	void termsInVeryManyChunksAreLeftOutUnlessNothingElseIsLeft() {
		UUID parking = fixture.ready("parking", DocumentAccess.PUBLIC, this.embeddings,
				"Parking permits are issued by the facilities team, policy section 4.");
		fixture.ready("other", DocumentAccess.PUBLIC, this.embeddings, "Leave policy section 1.",
				"Expenses policy section 2.", "Security policy section 3.");
		CommonTerms common = new CommonTerms(fixture.jdbc, 3);
		HybridRetriever retriever = new HybridRetriever(fixture.jdbc, fixture.transactions, this.embeddings,
				new LexemeColumn(fixture.jdbc), common, RetrievalFixture.properties(), 1.0);
		assertThat(retriever.retrieve("parking policy", DocumentAccess.PUBLIC, 10, RetrievalMode.LEXICAL)).hasSize(4);

		assertThat(common.refresh()).isEqualTo(2); // 'policy' and 'section' are in 4 chunks
		assertThat(documents(retriever.retrieve("parking policy", DocumentAccess.PUBLIC, 10, RetrievalMode.LEXICAL)))
			.containsExactly(parking);
		assertThat(retriever.retrieve("policy section", DocumentAccess.PUBLIC, 10, RetrievalMode.LEXICAL))
			.as("all common: the least common is kept")
			.hasSize(4);
	}

	private static float[] jitter(Random random, double spread) {
		float[] vector = new float[DIM];
		vector[0] = 1;
		for (int i = 1; i < DIM; i++) {
			vector[i] = (float) (random.nextGaussian() * spread / Math.sqrt(DIM));
		}
		return normalised(vector);
	}

	private static List<UUID> documents(List<Passage> passages) {
		return passages.stream().map(Passage::documentId).distinct().toList();
	}

	private static List<String> contents(List<Passage> passages) {
		return passages.stream().map(Passage::content).toList();
	}

}
