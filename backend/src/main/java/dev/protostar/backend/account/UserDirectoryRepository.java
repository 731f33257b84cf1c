package dev.protostar.backend.account;

import java.sql.Timestamp;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.backend.account.AccountViews.UserSummary;
import dev.protostar.backend.tier.Tier;

/**
 * The admins' search over {@code users}. Every value is a bind parameter; the
 * search text is a LIKE pattern with its own {@code %} and {@code _} escaped.
 */
@Repository
class UserDirectoryRepository {

	private static final String MATCHES = "(CAST(:pattern AS text) IS NULL OR u.email ILIKE :pattern ESCAPE '\\' "
			+ "OR u.display_name ILIKE :pattern ESCAPE '\\') AND (CAST(:tier AS text) IS NULL OR u.tier = :tier)";

	private final JdbcClient jdbc;

	UserDirectoryRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Newest accounts first; one row more than asked, to tell whether another
	 * page follows. The last activity is the later of the last sign-in and the
	 * last change to one of the user's conversations (found through its index).
	 */
	List<UserSummary> search(String text, Tier tier, int offset, int limit) {
		return this.jdbc.sql("SELECT u.id, u.email, u.display_name, u.tier, u.created_at, GREATEST(u.last_login_at, "
				+ "(SELECT max(c.updated_at) FROM conversations c WHERE c.user_id = u.id)) AS last_active_at "
				+ "FROM users u WHERE " + MATCHES + " ORDER BY u.created_at DESC, u.id DESC OFFSET :offset LIMIT :limit")
			.param("pattern", pattern(text))
			.param("tier", (tier != null) ? tier.name() : null)
			.param("offset", offset)
			.param("limit", limit)
			.query((rs, row) -> {
				Timestamp lastActive = rs.getTimestamp("last_active_at");
				return new UserSummary(rs.getObject("id", UUID.class), rs.getString("email"),
						rs.getString("display_name"), Tier.valueOf(rs.getString("tier")),
						rs.getTimestamp("created_at").toInstant(), (lastActive != null) ? lastActive.toInstant() : null);
			})
			.list();
	}

	long count(String text, Tier tier) {
		return this.jdbc.sql("SELECT count(*) FROM users u WHERE " + MATCHES)
			.param("pattern", pattern(text))
			.param("tier", (tier != null) ? tier.name() : null)
			.query(Long.class)
			.single();
	}

	private static String pattern(String text) {
		if (text == null) {
			return null;
		}
		return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
	}

}
