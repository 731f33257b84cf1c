package dev.protostar.backend.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.backend.audit.AuditViews.AuditEventView;
import dev.protostar.backend.audit.AuditViews.AuditQuery;

/** SQL for {@code audit_events}; every value a bind parameter. */
@Repository
class AuditRepository {

	private final JdbcClient jdbc;

	private final JsonMapper json;

	AuditRepository(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	void insert(Instant occurredAt, UUID actor, UUID subject, AuditAction action, String clientAddress,
			String requestId, String detailJson) {
		this.jdbc.sql("""
				INSERT INTO audit_events (occurred_at, actor_user_id, subject_user_id, action, client_address,
				                          request_id, detail)
				VALUES (:occurredAt, :actor, :subject, :action, :address, :requestId, CAST(:detail AS jsonb))
				""")
			.param("occurredAt", Timestamp.from(occurredAt))
			.param("actor", actor)
			.param("subject", subject)
			.param("action", action.name())
			.param("address", clientAddress)
			.param("requestId", requestId)
			.param("detail", detailJson)
			.update();
	}

	/**
	 * Newest first; one row more than asked, to tell whether another page follows. A
	 * user matches as actor or as subject. Each absent filter is a condition that holds,
	 * so the planner picks the index of the filters given.
	 */
	List<AuditEventView> find(AuditQuery query, int offset, int limit) {
		StringBuilder sql = new StringBuilder("SELECT id, occurred_at, actor_user_id, subject_user_id, action, "
				+ "client_address, request_id, detail::text AS detail FROM audit_events WHERE true");
		var statement = new java.util.LinkedHashMap<String, Object>();
		if (query.user() != null) {
			sql.append(" AND (subject_user_id = :user OR actor_user_id = :user)");
			statement.put("user", query.user());
		}
		if (query.action() != null) {
			sql.append(" AND action = :action");
			statement.put("action", query.action().name());
		}
		if (query.from() != null) {
			sql.append(" AND occurred_at >= :from");
			statement.put("from", Timestamp.from(query.from()));
		}
		if (query.to() != null) {
			sql.append(" AND occurred_at < :to");
			statement.put("to", Timestamp.from(query.to()));
		}
		sql.append(" ORDER BY occurred_at DESC, id DESC OFFSET :offset LIMIT :limit");
		statement.put("offset", offset);
		statement.put("limit", limit);
		return this.jdbc.sql(sql.toString()).params(statement).query(this::event).list();
	}

	/** @return how many events were deleted */
	int deleteOlderThan(Instant cutoff) {
		return this.jdbc.sql("DELETE FROM audit_events WHERE occurred_at < :cutoff")
			.param("cutoff", Timestamp.from(cutoff))
			.update();
	}

	private AuditEventView event(ResultSet rs, int row) throws SQLException {
		return new AuditEventView(rs.getLong("id"), rs.getTimestamp("occurred_at").toInstant(),
				rs.getObject("actor_user_id", UUID.class), rs.getObject("subject_user_id", UUID.class),
				rs.getString("action"), rs.getString("client_address"), rs.getString("request_id"),
				this.json.readTree(rs.getString("detail")));
	}

}
