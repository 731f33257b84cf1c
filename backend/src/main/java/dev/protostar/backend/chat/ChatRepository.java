package dev.protostar.backend.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.backend.chat.ChatViews.ConversationView;
import dev.protostar.backend.chat.ChatViews.MessageView;
import dev.protostar.backend.tier.Tier;

/**
 * SQL for {@code conversations} and {@code messages}. Every value is a bind
 * parameter, never concatenated into the statement. Every read of a
 * conversation names its owner, so another user's id finds nothing, exactly
 * like an unknown one.
 */
@Repository
class ChatRepository {

	private static final String CONVERSATION = "id, title, created_at, updated_at";

	private static final String MESSAGE = "id, conversation_id, role, content, status, job_id, metadata::text AS metadata, "
			+ "created_at";

	private final JdbcClient jdbc;

	private final JsonMapper json;

	ChatRepository(JdbcClient jdbc, JsonMapper json) {
		this.jdbc = jdbc;
		this.json = json;
	}

	void insertConversation(UUID id, UUID userId, String title, Instant now) {
		this.jdbc.sql("""
				INSERT INTO conversations (id, user_id, title, created_at, updated_at)
				VALUES (:id, :userId, :title, :now, :now)
				""")
			.param("id", id)
			.param("userId", userId)
			.param("title", title)
			.param("now", Timestamp.from(now))
			.update();
	}

	Optional<ConversationView> findConversation(UUID id, UUID userId) {
		return this.jdbc.sql("SELECT " + CONVERSATION + " FROM conversations WHERE id = :id AND user_id = :userId")
			.param("id", id)
			.param("userId", userId)
			.query(ChatRepository::conversation)
			.optional();
	}

	/** Newest first; one row more than asked, to tell whether another page follows. */
	List<ConversationView> conversations(UUID userId, int offset, int limit) {
		return this.jdbc.sql("SELECT " + CONVERSATION + " FROM conversations WHERE user_id = :userId "
				+ "ORDER BY updated_at DESC, id DESC OFFSET :offset LIMIT :limit")
			.param("userId", userId)
			.param("offset", offset)
			.param("limit", limit)
			.query(ChatRepository::conversation)
			.list();
	}

	/** Oldest first, as a conversation reads. */
	List<MessageView> messages(UUID conversationId, int offset, int limit) {
		return this.jdbc.sql("SELECT " + MESSAGE + " FROM messages WHERE conversation_id = :conversationId "
				+ "ORDER BY created_at, id OFFSET :offset LIMIT :limit")
			.param("conversationId", conversationId)
			.param("offset", offset)
			.param("limit", limit)
			.query(this::message)
			.list();
	}

	/** @throws org.springframework.dao.DuplicateKeyException when this job already has its question */
	void insertQuestion(UUID id, UUID conversationId, String content, String jobId, Instant now) {
		this.jdbc.sql("""
				INSERT INTO messages (id, conversation_id, role, content, job_id, status, metadata, created_at)
				VALUES (:id, :conversationId, 'user', :content, :jobId, 'pending', '{}'::jsonb, :now)
				""")
			.param("id", id)
			.param("conversationId", conversationId)
			.param("content", content)
			.param("jobId", jobId)
			.param("now", Timestamp.from(now))
			.update();
	}

	/** Takes back a question whose job was never queued (it has no answer, so nothing else refers to it). */
	void deleteQuestion(UUID id) {
		this.jdbc.sql("DELETE FROM messages WHERE id = :id AND role = 'user' AND status = 'pending'")
			.param("id", id)
			.update();
	}

	/** The question a job answers, if it belongs to this user. */
	Optional<MessageView> findQuestionOfJob(String jobId, UUID userId) {
		return this.jdbc.sql("SELECT m.id, m.conversation_id, m.role, m.content, m.status, m.job_id, "
				+ "m.metadata::text AS metadata, m.created_at FROM messages m JOIN conversations c ON c.id = m.conversation_id "
				+ "WHERE m.job_id = :jobId AND m.role = 'user' AND c.user_id = :userId")
			.param("jobId", jobId)
			.param("userId", userId)
			.query(this::message)
			.optional();
	}

	/**
	 * Questions pending since before {@code askedBefore}, oldest first, with what their
	 * job needs: the asker and the asker's current tier.
	 */
	List<PendingQuestion> pendingQuestions(Instant askedBefore, int limit) {
		return this.jdbc.sql("""
				SELECT m.id, m.conversation_id, m.content, m.job_id, m.created_at, c.user_id, u.tier
				  FROM messages m
				  JOIN conversations c ON c.id = m.conversation_id
				  JOIN users u ON u.id = c.user_id
				 WHERE m.status = 'pending' AND m.role = 'user' AND m.job_id IS NOT NULL
				   AND m.created_at < :askedBefore
				 ORDER BY m.created_at
				 LIMIT :limit
				""")
			.param("askedBefore", Timestamp.from(askedBefore))
			.param("limit", limit)
			.query((rs, row) -> new PendingQuestion(rs.getObject("id", UUID.class),
					rs.getObject("conversation_id", UUID.class), rs.getObject("user_id", UUID.class),
					Tier.valueOf(rs.getString("tier")), rs.getString("content"), rs.getString("job_id"),
					rs.getTimestamp("created_at").toInstant()))
			.list();
	}

	void touchConversation(UUID id, Instant now) {
		this.jdbc.sql("UPDATE conversations SET updated_at = :now WHERE id = :id")
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	private static ConversationView conversation(ResultSet rs, int row) throws SQLException {
		return new ConversationView(rs.getObject("id", UUID.class), rs.getString("title"),
				rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
	}

	private MessageView message(ResultSet rs, int row) throws SQLException {
		return new MessageView(rs.getObject("id", UUID.class), rs.getObject("conversation_id", UUID.class),
				rs.getString("role"), rs.getString("content"), rs.getString("status"), rs.getString("job_id"),
				this.json.readTree(rs.getString("metadata")), rs.getTimestamp("created_at").toInstant());
	}

	record PendingQuestion(UUID id, UUID conversationId, UUID userId, Tier tier, String content, String jobId,
			Instant createdAt) {
	}

}
