package dev.protostar.backend.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.backend.chat.ChatViews.FeedbackEntry;
import dev.protostar.backend.chat.ChatViews.Rating;
import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;

/**
 * SQL for {@code message_feedback} (V9__message_feedback.sql). Every value is
 * a bind parameter. Votes are only ever written on an answer of the voter's
 * own conversation: the statements check that themselves, so another user's
 * message finds nothing, exactly like an unknown one. The questions and
 * answers the admins' list shows may be encrypted (see ChatRepository), so
 * they are decrypted, and the excerpt cut, here rather than in SQL.
 */
@Repository
class FeedbackRepository {

	/** How much of an answer the admins' list shows. */
	static final int EXCERPT_LENGTH = 300;

	private final JdbcClient jdbc;

	private final DataCipher cipher;

	FeedbackRepository(JdbcClient jdbc, DataCipher cipher) {
		this.jdbc = jdbc;
		this.cipher = cipher;
	}

	/**
	 * Sets (or replaces) the vote on an answer of the user's own conversation.
	 * @return whether there was such an answer
	 */
	boolean put(UUID messageId, UUID userId, Rating rating, String comment, Instant now) {
		return this.jdbc.sql("""
				INSERT INTO message_feedback (message_id, user_id, rating, comment, created_at, updated_at)
				SELECT m.id, c.user_id, :rating, :comment, :now, :now
				FROM messages m JOIN conversations c ON c.id = m.conversation_id
				WHERE m.id = :messageId AND m.role = 'assistant' AND c.user_id = :userId
				ON CONFLICT (message_id) DO UPDATE
				SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at
				""")
			.param("messageId", messageId)
			.param("userId", userId)
			.param("rating", rating.name())
			.param("comment", comment)
			.param("now", Timestamp.from(now))
			.update() == 1;
	}

	/** Whether {@code messageId} is an answer in one of the user's conversations. */
	boolean isAnswerOf(UUID messageId, UUID userId) {
		return this.jdbc.sql("""
				SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
				WHERE m.id = :messageId AND m.role = 'assistant' AND c.user_id = :userId
				""")
			.param("messageId", messageId)
			.param("userId", userId)
			.query(Long.class)
			.single() == 1;
	}

	void delete(UUID messageId) {
		this.jdbc.sql("DELETE FROM message_feedback WHERE message_id = :messageId")
			.param("messageId", messageId)
			.update();
	}

	/**
	 * Newest vote first, optionally of one rating; one row more than asked, to
	 * tell whether another page follows.
	 */
	List<FeedbackEntry> list(Rating rating, int offset, int limit) {
		return this.jdbc.sql("""
				SELECT f.message_id, a.conversation_id, u.email, f.rating, f.comment, f.updated_at,
				       a.content AS answer,
				       (SELECT q.content FROM messages q WHERE q.job_id = a.job_id AND q.role = 'user') AS question
				FROM message_feedback f
				JOIN messages a ON a.id = f.message_id
				JOIN users u ON u.id = f.user_id
				WHERE CAST(:rating AS text) IS NULL OR f.rating = :rating
				ORDER BY f.updated_at DESC, f.message_id DESC OFFSET :offset LIMIT :limit
				""")
			.param("rating", (rating != null) ? rating.name() : null)
			.param("offset", offset)
			.param("limit", limit)
			.query(this::entry)
			.list();
	}

	long count(Rating rating) {
		return this.jdbc.sql("SELECT count(*) FROM message_feedback WHERE CAST(:rating AS text) IS NULL OR rating = :rating")
			.param("rating", (rating != null) ? rating.name() : null)
			.query(Long.class)
			.single();
	}

	private FeedbackEntry entry(ResultSet rs, int row) throws SQLException {
		String answer = this.cipher.decrypt(rs.getString("answer"), EncryptedFields.MESSAGE_CONTENT);
		return new FeedbackEntry(rs.getObject("message_id", UUID.class), rs.getObject("conversation_id", UUID.class),
				rs.getString("email"), Rating.valueOf(rs.getString("rating")), rs.getString("comment"),
				this.cipher.decrypt(rs.getString("question"), EncryptedFields.MESSAGE_CONTENT), excerpt(answer),
				rs.getTimestamp("updated_at").toInstant());
	}

	/** The first {@link #EXCERPT_LENGTH} characters, counted as PostgreSQL's left() did: by code point. */
	static String excerpt(String text) {
		if (text.codePointCount(0, text.length()) <= EXCERPT_LENGTH) {
			return text;
		}
		return text.substring(0, text.offsetByCodePoints(0, EXCERPT_LENGTH));
	}

}
