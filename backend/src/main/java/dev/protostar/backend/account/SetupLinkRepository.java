package dev.protostar.backend.account;

import java.sql.Timestamp;
import java.time.Instant;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * SQL for {@code setup_links}. The links are made by the {@code protostar}
 * command (in the database, as psql); the backend only spends them.
 */
@Repository
class SetupLinkRepository {

	private final JdbcClient jdbc;

	SetupLinkRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Spends the link if it is valid now. The row stays locked until the
	 * transaction ends, so a concurrent use waits and then finds it spent; a
	 * rollback (the account could not be created) leaves it valid.
	 * @return whether the link was valid and is now spent
	 */
	boolean spend(String tokenHash, Instant now) {
		return this.jdbc.sql("""
				UPDATE setup_links SET used_at = :now
				WHERE token_hash = :hash AND used_at IS NULL AND expires_at > :now""")
			.param("now", Timestamp.from(now))
			.param("hash", tokenHash)
			.update() == 1;
	}

}
