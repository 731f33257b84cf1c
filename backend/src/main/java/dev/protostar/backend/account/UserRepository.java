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

import dev.protostar.backend.security.SecurityState;
import dev.protostar.backend.tier.Tier;

/**
 * SQL for {@code users}. Every value is a bind parameter, never concatenated
 * into the statement.
 */
@Repository
class UserRepository {

	private static final String COLUMNS = "id, email, password_hash, display_name, tier, tier_locked, "
			+ "questions_asked, created_at, updated_at, security_version, tokens_valid_from, sessions_valid_from, "
			+ "created_by_bootstrap";

	/** The row as an UPDATE left it. */
	private static final String RETURNING = " RETURNING " + COLUMNS;

	private static final RowMapper<User> USER = UserRepository::mapUser;

	/**
	 * Revokes what was issued so far (the right side of an UPDATE sees the
	 * row as it was, so all three get the same new version).
	 */
	private static final String REVOKE_ALL = "security_version = security_version + 1, "
			+ "tokens_valid_from = security_version + 1, sessions_valid_from = security_version + 1";

	private final JdbcClient jdbc;

	UserRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** @throws org.springframework.dao.DuplicateKeyException when the email is taken */
	void insert(User user) {
		this.jdbc.sql("""
				INSERT INTO users (id, email, password_hash, display_name, tier, tier_locked, created_at, updated_at,
				    created_by_bootstrap)
				VALUES (:id, :email, :passwordHash, :displayName, :tier, :tierLocked, :createdAt, :createdAt,
				    :createdByBootstrap)
				""")
			.param("id", user.id())
			.param("email", user.email())
			.param("passwordHash", user.passwordHash())
			.param("displayName", user.displayName())
			.param("tier", user.tier().name())
			.param("tierLocked", user.tierLocked())
			.param("createdAt", Timestamp.from(user.createdAt()))
			.param("createdByBootstrap", user.createdByBootstrap())
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

	/** Sets the tier; raises the security version. @return the row as it is afterwards */
	Optional<User> updateTier(UUID id, Tier tier, boolean locked, Instant now) {
		return this.jdbc.sql("""
				UPDATE users SET tier = :tier, tier_locked = :locked, updated_at = :now,
				    security_version = security_version + 1
				WHERE id = :id""" + RETURNING)
			.param("tier", tier.name())
			.param("locked", locked)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.query(USER)
			.optional();
	}

	/** A rehash of the same password (stronger parameters): nothing to revoke. */
	void updatePasswordHash(UUID id, String passwordHash, Instant now) {
		this.jdbc.sql("UPDATE users SET password_hash = :hash, updated_at = :now WHERE id = :id")
			.param("hash", passwordHash)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	/** A new password: revokes every access token and session issued so far. @return the row afterwards */
	Optional<User> replacePassword(UUID id, String passwordHash, Instant now) {
		return this.jdbc.sql("UPDATE users SET password_hash = :hash, updated_at = :now, " + REVOKE_ALL
				+ " WHERE id = :id" + RETURNING)
			.param("hash", passwordHash)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.query(USER)
			.optional();
	}

	/**
	 * Revokes every access token and session issued so far.
	 * @return the row afterwards
	 */
	Optional<User> revokeSessions(UUID id, Instant now) {
		return this.jdbc.sql("UPDATE users SET updated_at = :now, " + REVOKE_ALL + " WHERE id = :id" + RETURNING)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.query(USER)
			.optional();
	}

	/**
	 * Revokes every access token issued so far, the sessions staying valid
	 * (their clients refresh).
	 * @return the row afterwards
	 */
	Optional<User> revokeAccessTokens(UUID id, Instant now) {
		return this.jdbc.sql("""
				UPDATE users SET updated_at = :now, security_version = security_version + 1,
				    tokens_valid_from = security_version + 1
				WHERE id = :id""" + RETURNING)
			.param("now", Timestamp.from(now))
			.param("id", id)
			.query(USER)
			.optional();
	}

	Optional<SecurityState> securityState(UUID id) {
		return this.jdbc.sql("SELECT tier, security_version, tokens_valid_from FROM users WHERE id = :id")
			.param("id", id)
			.query((rs, row) -> new SecurityState(Tier.valueOf(rs.getString("tier")), rs.getLong("security_version"),
					rs.getLong("tokens_valid_from")))
			.optional();
	}

	void recordLogin(UUID id, Instant now) {
		this.jdbc.sql("UPDATE users SET last_login_at = :now WHERE id = :id")
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	/** Adds one to the user's question count; the row as it is afterwards (locked until the transaction ends). */
	Optional<User> countQuestion(UUID id) {
		return this.jdbc.sql("UPDATE users SET questions_asked = questions_asked + 1 WHERE id = :id" + RETURNING)
			.param("id", id)
			.query(USER)
			.optional();
	}

	private static User mapUser(ResultSet rs, int row) throws SQLException {
		return new User(rs.getObject("id", UUID.class), rs.getString("email"), rs.getString("password_hash"),
				rs.getString("display_name"), Tier.valueOf(rs.getString("tier")), rs.getBoolean("tier_locked"),
				rs.getLong("questions_asked"), rs.getTimestamp("created_at").toInstant(),
				rs.getTimestamp("updated_at").toInstant(), rs.getLong("security_version"),
				rs.getLong("tokens_valid_from"), rs.getLong("sessions_valid_from"), rs.getBoolean("created_by_bootstrap"));
	}

}
