package dev.protostar.backend.reencryption;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import org.flywaydb.core.Flyway;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import dev.protostar.backend.reencryption.ReencryptionRepository.Column;
import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The background re-encryption against real PostgreSQL (the schema's migrations) and
 * Redis (its lease): after a rotation from k1 to k2 every value ends up with k2, reading
 * the same as before; plaintext from before encryption is encrypted; a value whose key is
 * missing is left alone; a row changed between the read and the write keeps its change.
 */
@Testcontainers
class ReencryptionIntegrationTests {

	// Containers of its own: a pass reads whole tables, which the shared test database
	// fills with every other class's rows.
	@Container
	static final PostgreSQLContainer postgres = new PostgreSQLContainer(
			DockerImageName.parse(System.getProperty("protostar.test.postgres-image", "protostar/postgres:17-pgvector0.8"))
				.asCompatibleSubstituteFor("postgres"));

	@Container
	static final GenericContainer<?> redisContainer = new GenericContainer<>(
			DockerImageName.parse(System.getProperty("protostar.test.redis-image", "protostar/redis:8"))
				.asCompatibleSubstituteFor("redis"))
		.withExposedPorts(6379);

	private static final String KEY_1 = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

	private static final String KEY_2 = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

	private static final String KEY_9 = "k9:OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk=";

	/** Before the rotation: k1 writes. */
	private static final DataCipher before = DataCipher.of(KEY_1, "k1");

	/** After it: k2 writes, k1 is still read. */
	private static final DataCipher after = DataCipher.of(KEY_1 + "," + KEY_2, "k2");

	private static JdbcTemplate jdbc;

	private static JdbcClient jdbcClient;

	private static JedisConnectionFactory redisConnections;

	private static StringRedisTemplate redis;

	private UUID userId;

	@BeforeAll
	static void setUp() {
		DriverManagerDataSource dataSource = new DriverManagerDataSource(postgres.getJdbcUrl(), postgres.getUsername(),
				postgres.getPassword());
		// The backend's own migrations, as it applies them at start-up.
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		jdbc = new JdbcTemplate(dataSource);
		jdbcClient = JdbcClient.create(dataSource);
		redisConnections = new JedisConnectionFactory(
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

	@BeforeEach
	void user() {
		jdbc.update("DELETE FROM messages");
		jdbc.update("DELETE FROM conversations");
		redis.delete(Reencryption.LEASE_KEY);
		this.userId = UUID.randomUUID();
		jdbc.update("INSERT INTO users (id, email, password_hash, display_name) VALUES (?, ?, 'x', 'Test')", this.userId,
				this.userId + "@example.com");
	}

	@Test
	void afterARotationEveryValueEndsUpWithTheActiveKeyAndReadsAsBefore() {
		// More rows than a batch, so the pass pages through each table.
		for (int i = 0; i < 7; i++) {
			UUID conversation = conversation(before.encrypt("Title " + i, EncryptedFields.CONVERSATION_TITLE));
			message(conversation, "user", before.encrypt("Question " + i, EncryptedFields.MESSAGE_CONTENT), "{}");
			message(conversation, "assistant", before.encrypt("Answer " + i, EncryptedFields.MESSAGE_CONTENT),
					before.encryptJson("{\"provider\": \"offline\", \"n\": " + i + "}", EncryptedFields.MESSAGE_METADATA));
		}
		// Plaintext from before encryption, and one already with k2.
		UUID old = conversation("Plain title");
		message(old, "user", "Plain question", "{}");
		UUID plainAnswer = message(old, "assistant", "Plain answer", "{\"provider\": \"offline\"}");
		message(old, "assistant", after.encrypt("Already k2", EncryptedFields.MESSAGE_CONTENT),
				after.encryptJson("{}", EncryptedFields.MESSAGE_METADATA));
		Map<UUID, String> contentBefore = readable("SELECT id, content AS value FROM messages", EncryptedFields.MESSAGE_CONTENT);

		Reencryption.Pass pass = reencryption(3).runIfLeased();

		assertThat(pass.reencrypted()).isEqualTo(7 * 4 + 4);
		assertThat(pass.unreadable()).isZero();
		assertThat(jdbc.queryForList("SELECT title FROM conversations", String.class))
			.allSatisfy((title) -> assertThat(title).startsWith("pse1:k2:"));
		assertThat(jdbc.queryForList("SELECT content FROM messages", String.class))
			.allSatisfy((content) -> assertThat(content).startsWith("pse1:k2:"));
		assertThat(jdbc.queryForList("SELECT metadata->>'encrypted' FROM messages WHERE role = 'assistant'", String.class))
			.allSatisfy((metadata) -> assertThat(metadata).startsWith("pse1:k2:"));
		assertThat(jdbc.queryForList("SELECT metadata::text FROM messages WHERE role = 'user'", String.class))
			.as("a question's metadata is left to its jsonb merges")
			.containsOnly("{}");
		assertThat(readable("SELECT id, content AS value FROM messages", EncryptedFields.MESSAGE_CONTENT))
			.isEqualTo(contentBefore);
		assertThat(after.decryptJson(jdbc.queryForObject("SELECT metadata::text FROM messages WHERE id = ?",
				String.class, plainAnswer), EncryptedFields.MESSAGE_METADATA))
			.isEqualTo("{\"provider\": \"offline\"}");
		assertThat(redis.hasKey(Reencryption.LEASE_KEY)).as("the lease is given back").isFalse();
		// A second pass finds nothing left.
		assertThat(reencryption(3).runIfLeased().reencrypted()).isZero();
	}

	@Test
	void aValueWhoseKeyIsMissingIsLeftAndCountedAndTheRestIsDone() {
		UUID conversation = conversation("Plain");
		String unknown = DataCipher.of(KEY_9, "k9").encrypt("Lost", EncryptedFields.MESSAGE_CONTENT);
		message(conversation, "user", unknown, "{}");
		message(conversation, "user", "Readable", "{}");

		Reencryption.Pass pass = reencryption(500).runIfLeased();

		assertThat(pass.reencrypted()).isEqualTo(2);
		assertThat(pass.unreadable()).isEqualTo(1);
		assertThat(pass.lastUnreadable()).contains("key 'k9'").doesNotContain("Lost");
		List<String> stored = jdbc.queryForList("SELECT content FROM messages", String.class);
		assertThat(stored).hasSize(2).contains(unknown);
		assertThat(stored).filteredOn((content) -> !content.equals(unknown))
			.singleElement()
			.satisfies((content) -> assertThat(content).startsWith("pse1:k2:"))
			.satisfies((content) -> assertThat(after.decrypt(content, EncryptedFields.MESSAGE_CONTENT)).isEqualTo("Readable"));
	}

	@Test
	void aRowChangedSinceItWasReadKeepsTheChange() {
		UUID conversation = conversation(before.encrypt("Before the rename", EncryptedFields.CONVERSATION_TITLE));
		ReencryptionRepository rows = new ReencryptionRepository(jdbcClient);
		String read = rows.candidates(Column.CONVERSATION_TITLE, "k2", ReencryptionRepository.FIRST, 10).get(0).value();
		// A colour renames it meanwhile.
		String renamed = after.encrypt("Renamed", EncryptedFields.CONVERSATION_TITLE);
		jdbc.update("UPDATE conversations SET title = ? WHERE id = ?", renamed, conversation);

		assertThat(rows.replace(Column.CONVERSATION_TITLE, conversation, read,
				after.encrypt("Before the rename", EncryptedFields.CONVERSATION_TITLE)))
			.isFalse();
		assertThat(jdbc.queryForObject("SELECT title FROM conversations", String.class)).isEqualTo(renamed);
	}

	@Test
	void whileAnotherInstanceHoldsTheLeaseThisOneSkipsItsTurn() {
		conversation("Plain");
		redis.opsForValue().set(Reencryption.LEASE_KEY, "another-colour", Duration.ofMinutes(1));

		assertThat(reencryption(500).runIfLeased()).isNull();
		assertThat(jdbc.queryForObject("SELECT title FROM conversations", String.class)).isEqualTo("Plain");
		assertThat(redis.opsForValue().get(Reencryption.LEASE_KEY)).isEqualTo("another-colour");
	}

	private Reencryption reencryption(int batchSize) {
		return new Reencryption(new ReencryptionRepository(jdbcClient), after, redis,
				new ReencryptionProperties(true, Duration.ofMinutes(1), batchSize, Duration.ZERO));
	}

	private Map<UUID, String> readable(String sql, String field) {
		return jdbc.query(sql, (rs) -> {
			Map<UUID, String> values = new java.util.HashMap<>();
			while (rs.next()) {
				values.put(rs.getObject("id", UUID.class), after.decrypt(rs.getString("value"), field));
			}
			return values;
		});
	}

	private UUID conversation(String title) {
		UUID id = UUID.randomUUID();
		jdbc.update("INSERT INTO conversations (id, user_id, title) VALUES (?, ?, ?)", id, this.userId, title);
		return id;
	}

	private UUID message(UUID conversation, String role, String content, String metadata) {
		UUID id = UUID.randomUUID();
		jdbc.update("INSERT INTO messages (id, conversation_id, role, content, status, metadata) VALUES (?, ?, ?, ?,"
				+ " 'answered', CAST(? AS jsonb))", id, conversation, role, content, metadata);
		return id;
	}

}
