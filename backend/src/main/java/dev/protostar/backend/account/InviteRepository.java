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

/** SQL for {@code invites}; the token is known only by its hash. */
@Repository
class InviteRepository {

	private static final String COLUMNS = "id, email, tier, created_by, created_at, expires_at, used_at, used_by";

	private static final RowMapper<Invite> INVITE = InviteRepository::mapInvite;

	/** Newest first; an admin cleans up with DELETE long before this matters. */
	private static final int LIST_LIMIT = 500;

	private final JdbcClient jdbc;

	InviteRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * One invite.
	 *
	 * @param email the only address that may use it, or null for anyone
	 * @param createdBy the admin, or null once that account is gone
	 * @param usedBy who signed up with it, or null
	 */
	record Invite(UUID id, String email, Tier tier, UUID createdBy, Instant createdAt, Instant expiresAt,
			Instant usedAt, UUID usedBy) {
	}

	void insert(Invite invite, String tokenHash) {
		this.jdbc.sql("""
				INSERT INTO invites (id, token_hash, email, tier, created_by, created_at, expires_at)
				VALUES (:id, :hash, :email, :tier, :createdBy, :createdAt, :expiresAt)""")
			.param("id", invite.id())
			.param("hash", tokenHash)
			.param("email", invite.email())
			.param("tier", invite.tier().name())
			.param("createdBy", invite.createdBy())
			.param("createdAt", Timestamp.from(invite.createdAt()))
			.param("expiresAt", Timestamp.from(invite.expiresAt()))
			.update();
	}

	/**
	 * Locks the invite of this token if it is valid now, until the transaction
	 * ends: a concurrent signup with the same token waits, then finds it spent.
	 */
	Optional<Invite> findUsableForUpdate(String tokenHash, Instant now) {
		return this.jdbc.sql("SELECT " + COLUMNS + """
				 FROM invites
				WHERE token_hash = :hash AND used_at IS NULL AND expires_at > :now FOR UPDATE""")
			.param("hash", tokenHash)
			.param("now", Timestamp.from(now))
			.query(INVITE)
			.optional();
	}

	void markUsed(UUID id, UUID userId, Instant now) {
		this.jdbc.sql("UPDATE invites SET used_at = :now, used_by = :userId WHERE id = :id")
			.param("now", Timestamp.from(now))
			.param("userId", userId)
			.param("id", id)
			.update();
	}

	List<Invite> list() {
		return this.jdbc.sql("SELECT " + COLUMNS + " FROM invites ORDER BY created_at DESC, id LIMIT " + LIST_LIMIT)
			.query(INVITE)
			.list();
	}

	/** @return whether there was one */
	boolean delete(UUID id) {
		return this.jdbc.sql("DELETE FROM invites WHERE id = :id").param("id", id).update() == 1;
	}

	private static Invite mapInvite(ResultSet rs, int row) throws SQLException {
		return new Invite(rs.getObject("id", UUID.class), rs.getString("email"), Tier.valueOf(rs.getString("tier")),
				rs.getObject("created_by", UUID.class), rs.getTimestamp("created_at").toInstant(),
				rs.getTimestamp("expires_at").toInstant(), instant(rs.getTimestamp("used_at")),
				rs.getObject("used_by", UUID.class));
	}

	private static Instant instant(Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

}
