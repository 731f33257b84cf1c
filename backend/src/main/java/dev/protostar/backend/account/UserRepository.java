package dev.protostar.backend.account;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.backend.tier.Tier;

/**
 * SQL for {@code users}. Every value is a bind parameter, never concatenated
 * into the statement.
 */
@Repository
class UserRepository {

	private static final String COLUMNS = "id, email, password_hash, display_name, tier, tier_locked, "
			+ "questions_asked, created_at, updated_at";

	private static final RowMapper<User> USER = UserRepository::mapUser;

	private final JdbcClient jdbc;

	UserRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** @throws org.springframework.dao.DuplicateKeyException when the email is taken */
	void insert(User user) {
		this.jdbc.sql("""
				INSERT INTO users (id, email, password_hash, display_name, tier, tier_locked, created_at, updated_at)
				VALUES (:id, :email, :passwordHash, :displayName, :tier, :tierLocked, :createdAt, :createdAt)
				""")
			.param("id", user.id())
			.param("email", user.email())
			.param("passwordHash", user.passwordHash())
			.param("displayName", user.displayName())
			.param("tier", user.tier().name())
			.param("tierLocked", user.tierLocked())
			.param("createdAt", Timestamp.from(user.createdAt()))
			.update();
	}

	Optional<User> findByEmail(String email) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE email = :email")
			.param("email", email)
			.query(USER)
			.optional();
	}

	Optional<User> findById(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE id = :id").param("id", id).query(USER).optional();
	}

	/** Locks the row until the transaction ends. */
	Optional<User> findByIdForUpdate(UUID id) {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM users WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(USER)
			.optional();
	}

	/**
	 * Locks every admin row until the transaction ends, so that two concurrent
	 * demotions cannot both see a second admin that the other is removing.
	 */
	List<UUID> lockAdmins() {
		return this.jdbc.sql("SELECT id FROM users WHERE tier = 'ADMIN' ORDER BY id FOR UPDATE")
			.query(UUID.class)
			.list();
	}

	void updateTier(UUID id, Tier tier, boolean locked, Instant now) {
		this.jdbc.sql("UPDATE users SET tier = :tier, tier_locked = :locked, updated_at = :now WHERE id = :id")
			.param("tier", tier.name())
			.param("locked", locked)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	void updatePasswordHash(UUID id, String passwordHash, Instant now) {
		this.jdbc.sql("UPDATE users SET password_hash = :hash, updated_at = :now WHERE id = :id")
			.param("hash", passwordHash)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	void recordLogin(UUID id, Instant now) {
		this.jdbc.sql("UPDATE users SET last_login_at = :now WHERE id = :id")
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	/** Adds one to the user's question count; the row as it is afterwards (locked until the transaction ends). */
	Optional<User> countQuestion(UUID id) {
		return this.jdbc.sql("UPDATE users SET questions_asked = questions_asked + 1 WHERE id = :id RETURNING "
				+ COLUMNS)
			.param("id", id)
			.query(USER)
			.optional();
	}

	private static User mapUser(ResultSet rs, int row) throws SQLException {
		return new User(rs.getObject("id", UUID.class), rs.getString("email"), rs.getString("password_hash"),
				rs.getString("display_name"), Tier.valueOf(rs.getString("tier")), rs.getBoolean("tier_locked"),
				rs.getLong("questions_asked"), rs.getTimestamp("created_at").toInstant(),
				rs.getTimestamp("updated_at").toInstant());
	}

}
