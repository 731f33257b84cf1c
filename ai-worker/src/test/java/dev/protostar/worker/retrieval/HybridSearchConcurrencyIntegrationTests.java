package dev.protostar.worker.retrieval;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.worker.embedding.OnnxEmbeddingProvider;
import dev.protostar.worker.ingestion.FakeEmbeddingProvider;
import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A hybrid search runs its kNN and lexical rankings at once on two connections of the
 * pool (HybridRetriever): the same passages as one ranking after the other, each
 * connection back in the pool whatever happens, and no deadlock on a small pool.
 */
@Testcontainers
class HybridSearchConcurrencyIntegrationTests {

	private static final String[] WORDS = { "annual", "leave", "expenses", "parking", "laptop", "training",
			"연차휴가", "출장비", "육아휴직", "교육비", "사원증", "주차권" };

	@Container
	static final PostgreSQLContainer postgres = TestInfrastructure.postgres();

	static RetrievalFixture fixture;

	static final FakeEmbeddingProvider embeddings = new FakeEmbeddingProvider(OnnxEmbeddingProvider.MODEL,
			OnnxEmbeddingProvider.DIMENSION, 64);

	static final List<String> questions = new ArrayList<>();

	@BeforeAll
	static void setUp() {
		fixture = new RetrievalFixture(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
		Random random = new Random(18);
		for (DocumentAccess access : DocumentAccess.values()) {
			for (int d = 0; d < 3; d++) {
				String[] chunks = new String[20];
				for (int c = 0; c < chunks.length; c++) {
					chunks[c] = phrase(random, 4);
				}
				fixture.ready(access + " " + d, access, embeddings, chunks);
			}
		}
		for (int q = 0; q < 12; q++) {
			questions.add(phrase(random, 2) + "?");
		}
	}

	@AfterAll
	static void tearDown() {
		fixture.close();
	}

	@Test
	void bothRankingsAtOnceFuseToWhatTheyGiveOneAfterTheOther() {
		// Korean questions weigh kNN by half: a mix-up of the two rankings would show.
		HybridRetriever retriever = fixture.retriever(embeddings, 0.5);
		RetrievalProperties properties = RetrievalFixture.properties();
		int limit = 5;
		int depth = limit * properties.candidates();
		int bothRanked = 0;
		for (String question : questions) {
			float[] vector = embeddings.embed(List.of(question)).get(0).vector();
			for (DocumentAccess access : DocumentAccess.values()) {
				List<HybridRetriever.Hit> nearest = retriever.nearest(vector, access, depth, properties.efSearch());
				List<HybridRetriever.Hit> lexical = retriever.lexical(question, access, depth);
				List<Passage> oneAfterTheOther = HybridRetriever.fuse(List.of(nearest, lexical),
						List.of(retriever.vectorWeight(question), 1.0), properties.rrfK(), limit);

				assertThat(retriever.search(question, vector, access, limit, RetrievalMode.HYBRID))
					.as("%s, %s reader", question, access)
					.containsExactlyElementsOf(oneAfterTheOther);
				bothRanked += (!nearest.isEmpty() && !lexical.isEmpty()) ? 1 : 0;
			}
		}
		assertThat(bothRanked).as("questions both rankings found passages for").isEqualTo(questions.size() * 3);
	}

	/**
	 * Each connection waits until a second one is asked for: one ranking after the other
	 * would time out here.
	 */
	@Test
	void theTwoRankingsHoldTheirConnectionsAtTheSameTime() {
		CyclicBarrier bothAsked = new CyclicBarrier(2);
		DataSource meeting = new DelegatingDataSource(fixture.dataSource) {

			@Override
			public Connection getConnection() throws SQLException {
				try {
					bothAsked.await(5, TimeUnit.SECONDS);
				}
				catch (InterruptedException | BrokenBarrierException | TimeoutException ex) {
					throw new SQLException("no second connection was asked for while this one was", ex);
				}
				return super.getConnection();
			}

		};
		HybridRetriever retriever = retrieverOver(meeting);

		assertThat(retriever.retrieve(questions.get(0), DocumentAccess.CONFIDENTIAL, 5)).hasSize(5);
	}

	@Test
	void aFailingLexicalRankingFailsTheSearchAndBothConnectionsGoBack() {
		HybridRetriever retriever = fixture.retriever(embeddings);
		assertThat(retriever.retrieve(questions.get(0), DocumentAccess.PUBLIC, 5)).isNotEmpty(); // sees the column
		withColumnRenamed("lexemes", () -> {
			assertThatExceptionOfType(BadSqlGrammarException.class)
				.isThrownBy(() -> retriever.retrieve(questions.get(0), DocumentAccess.PUBLIC, 5))
				.withMessageContaining("lexemes");
			assertThat(fixture.dataSource.getHikariPoolMXBean().getActiveConnections()).isZero();
		});
		assertThat(retriever.retrieve(questions.get(0), DocumentAccess.PUBLIC, 5)).isNotEmpty();
	}

	@Test
	void aFailingKnnRankingFailsTheSearchOnceTheLexicalOneHasGivenBackItsConnection() {
		// The lexical ranking keeps its connection a while: still busy when kNN has failed.
		Thread caller = Thread.currentThread();
		DataSource slowOnTheOtherThread = new DelegatingDataSource(fixture.dataSource) {

			@Override
			public Connection getConnection() throws SQLException {
				Connection connection = super.getConnection();
				if (Thread.currentThread() != caller) {
					try {
						Thread.sleep(300);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
				return connection;
			}

		};
		HybridRetriever retriever = retrieverOver(slowOnTheOtherThread);
		withColumnRenamed("embedding", () -> {
			assertThatExceptionOfType(BadSqlGrammarException.class)
				.isThrownBy(() -> retriever.retrieve(questions.get(0), DocumentAccess.PUBLIC, 5))
				.withMessageContaining("embedding");
			assertThat(fixture.dataSource.getHikariPoolMXBean().getActiveConnections()).isZero();
		});
		assertThat(retriever.retrieve(questions.get(0), DocumentAccess.PUBLIC, 5)).isNotEmpty();
	}

	/**
	 * Neither ranking holds a connection while it waits for the other's, so a pool of one
	 * serves them one after the other; so it does inside a caller's transaction, where both
	 * run on its connection.
	 */
	@Test
	void aPoolOfOneConnectionServesAHybridSearchWithinATransactionOrNot() {
		List<Passage> expected = fixture.retriever(embeddings).retrieve(questions.get(1), DocumentAccess.INTERNAL, 5);
		try (HikariDataSource one = TestInfrastructure.dataSource(postgres.getJdbcUrl(), postgres.getUsername(),
				postgres.getPassword(), 1, Duration.ofSeconds(2))) {
			HybridRetriever retriever = retrieverOver(one);
			TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(one));

			assertThat(retriever.retrieve(questions.get(1), DocumentAccess.INTERNAL, 5))
				.containsExactlyElementsOf(expected);
			List<Passage> inTransaction = transactions
				.execute((status) -> retriever.retrieve(questions.get(1), DocumentAccess.INTERNAL, 5));
			assertThat(inTransaction).containsExactlyElementsOf(expected);
			assertThat(one.getHikariPoolMXBean().getActiveConnections()).isZero();
		}
	}

	/**
	 * A retriever whose rankings take their connections from {@code dataSource}; its
	 * LexemeColumn has seen the column already, so it asks the database no more.
	 */
	private static HybridRetriever retrieverOver(DataSource dataSource) {
		LexemeColumn column = new LexemeColumn(fixture.jdbc);
		assertThat(column.present()).isTrue();
		return new HybridRetriever(new JdbcTemplate(dataSource),
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), embeddings, column,
				fixture.commonTerms, RetrievalFixture.properties(), 1.0);
	}

	private static void withColumnRenamed(String column, Runnable test) {
		fixture.jdbc.execute("ALTER TABLE document_chunks RENAME COLUMN " + column + " TO " + column + "_away");
		try {
			test.run();
		}
		finally {
			fixture.jdbc.execute("ALTER TABLE document_chunks RENAME COLUMN " + column + "_away TO " + column);
		}
	}

	private static String phrase(Random random, int words) {
		List<String> picked = new ArrayList<>();
		for (int i = 0; i < words; i++) {
			picked.add(WORDS[random.nextInt(WORDS.length)]);
		}
		return String.join(" ", picked);
	}

}
