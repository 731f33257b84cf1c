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
import dev.protostar.backend.chat.ChatViews.FeedbackView;
import dev.protostar.backend.chat.ChatViews.MessageView;
import dev.protostar.backend.chat.ChatViews.Rating;
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

	/** A message with the feedback on it (answers only; null when none was given). */
	private static final String MESSAGE = "SELECT m.id, m.conversation_id, m.role, m.content, m.status, m.job_id, "
			+ "m.metadata::text AS metadata, m.created_at, f.rating AS feedback_rating, f.comment AS feedback_comment "
			+ "FROM messages m LEFT JOIN message_feedback f ON f.message_id = m.id ";

	/**
	 * A LIKE pattern's own characters are escaped with a backslash, so a search
	 * for "100%" or "a_b" finds just that text.
	 */
	private static final String LIKE_ESCAPE = " ESCAPE '\\'";

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

	/**
	 * Most recently active first; one row more than asked, to tell whether
	 * another page follows.
	 * @param search text the title or a message must contain (any case), or
	 * null for all. ILIKE rather than full-text search: it needs no language
	 * (Korean attaches particles to words), and it only scans the messages of
	 * one user's conversations, found through the user's index.
	 */
	List<ConversationView> conversations(UUID userId, String search, int offset, int limit) {
		return this.jdbc.sql("SELECT " + CONVERSATION + " FROM conversations c WHERE c.user_id = :userId "
				+ "AND (CAST(:pattern AS text) IS NULL OR c.title ILIKE :pattern" + LIKE_ESCAPE
				+ " OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content ILIKE :pattern"
				+ LIKE_ESCAPE + ")) ORDER BY c.updated_at DESC, c.id DESC OFFSET :offset LIMIT :limit")
			.param("userId", userId)
			.param("pattern", (search != null) ? "%" + escapeLike(search) + "%" : null)
			.param("offset", offset)
			.param("limit", limit)
			.query(ChatRepository::conversation)
			.list();
	}

	/** A new title; the activity time stays, so a rename does not reorder the list. */
	Optional<ConversationView> renameConversation(UUID id, UUID userId, String title) {
		return this.jdbc.sql("UPDATE conversations SET title = :title WHERE id = :id AND user_id = :userId "
				+ "RETURNING " + CONVERSATION)
			.param("title", title)
			.param("id", id)
			.param("userId", userId)
			.query(ChatRepository::conversation)
			.optional();
	}

	/**
	 * Deletes the conversation; its messages and their feedback go with it
	 * (ON DELETE CASCADE). @return whether the user had it
	 */
	boolean deleteConversation(UUID id, UUID userId) {
		return this.jdbc.sql("DELETE FROM conversations WHERE id = :id AND user_id = :userId")
			.param("id", id)
			.param("userId", userId)
			.update() == 1;
	}

	/** Oldest first, as a conversation reads. */
	List<MessageView> messages(UUID conversationId, int offset, int limit) {
		return this.jdbc.sql(MESSAGE + "WHERE m.conversation_id = :conversationId "
				+ "ORDER BY m.created_at, m.id OFFSET :offset LIMIT :limit")
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
		return this.jdbc.sql(MESSAGE + "JOIN conversations c ON c.id = m.conversation_id "
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
		String rating = rs.getString("feedback_rating");
		return new MessageView(rs.getObject("id", UUID.class), rs.getObject("conversation_id", UUID.class),
				rs.getString("role"), rs.getString("content"), rs.getString("status"), rs.getString("job_id"),
				this.json.readTree(rs.getString("metadata")), rs.getTimestamp("created_at").toInstant(),
				(rating != null) ? new FeedbackView(Rating.valueOf(rating), rs.getString("feedback_comment")) : null);
	}

	/** {@code \}, {@code %} and {@code _} escaped for a LIKE pattern (see {@link #LIKE_ESCAPE}). */
	static String escapeLike(String text) {
		return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
	}

	record PendingQuestion(UUID id, UUID conversationId, UUID userId, Tier tier, String content, String jobId,
			Instant createdAt) {
	}

}
