package dev.protostar.backend.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.backend.chat.ChatViews.ConversationView;
import dev.protostar.backend.chat.ChatViews.FeedbackView;
import dev.protostar.backend.chat.ChatViews.MessageView;
import dev.protostar.backend.chat.ChatViews.Rating;
import dev.protostar.backend.tier.Tier;
import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;

/**
 * SQL for {@code conversations} and {@code messages}. Every value is a bind
 * parameter, never concatenated into the statement. Every read of a
 * conversation names its owner, so another user's id finds nothing, exactly
 * like an unknown one.
 * <p>
 * Titles, message contents and metadata are encrypted here on their way in
 * when a data key is active, and decrypted on their way out (rows written in
 * plaintext before are read as they are): nothing above this class sees a
 * ciphertext, and no statement may look into those columns (see
 * {@link ConversationSearch}). A question's metadata is {@code {}}, or the
 * failure the worker adds to it with jsonb's {@code ||}: it is not encrypted,
 * so that merge keeps working.
 */
@Repository
class ChatRepository {

	private static final String CONVERSATION = "id, title, created_at, updated_at";

	/** A message with the feedback on it (answers only; null when none was given). */
	private static final String MESSAGE = "SELECT m.id, m.conversation_id, m.role, m.content, m.status, m.job_id, "
			+ "m.metadata::text AS metadata, m.created_at, f.rating AS feedback_rating, f.comment AS feedback_comment "
			+ "FROM messages m LEFT JOIN message_feedback f ON f.message_id = m.id ";

	private final JdbcClient jdbc;

	private final JsonMapper json;

	private final DataCipher cipher;

	ChatRepository(JdbcClient jdbc, JsonMapper json, DataCipher cipher) {
		this.jdbc = jdbc;
		this.json = json;
		this.cipher = cipher;
	}

	void insertConversation(UUID id, UUID userId, String title, Instant now) {
		this.jdbc.sql("""
				INSERT INTO conversations (id, user_id, title, created_at, updated_at)
				VALUES (:id, :userId, :title, :now, :now)
				""")
			.param("id", id)
			.param("userId", userId)
			.param("title", this.cipher.encrypt(title, EncryptedFields.CONVERSATION_TITLE))
			.param("now", Timestamp.from(now))
			.update();
	}

	Optional<ConversationView> findConversation(UUID id, UUID userId) {
		return this.jdbc.sql("SELECT " + CONVERSATION + " FROM conversations WHERE id = :id AND user_id = :userId")
			.param("id", id)
			.param("userId", userId)
			.query(this::conversation)
			.optional();
	}

	/**
	 * Most recently active first; one row more than asked, to tell whether
	 * another page follows.
	 */
	List<ConversationView> conversations(UUID userId, int offset, int limit) {
		return this.jdbc.sql("SELECT " + CONVERSATION + " FROM conversations WHERE user_id = :userId "
				+ "ORDER BY updated_at DESC, id DESC OFFSET :offset LIMIT :limit")
			.param("userId", userId)
			.param("offset", offset)
			.param("limit", limit)
			.query(this::conversation)
			.list();
	}

	/**
	 * The user's conversations that come after {@code after} in the order of
	 * {@link #conversations}, at most {@code limit}: a scan in batches that
	 * neither skips nor repeats one, found through the user's index.
	 * @param after the last one of the previous batch; null for the first
	 */
	List<ConversationView> conversationsAfter(UUID userId, ConversationView after, int limit) {
		if (after == null) {
			return conversations(userId, 0, limit);
		}
		return this.jdbc.sql("SELECT " + CONVERSATION + " FROM conversations WHERE user_id = :userId "
				+ "AND (updated_at, id) < (:updatedAt, :id) ORDER BY updated_at DESC, id DESC LIMIT :limit")
			.param("userId", userId)
			.param("updatedAt", Timestamp.from(after.updatedAt()))
			.param("id", after.id())
			.param("limit", limit)
			.query(this::conversation)
			.list();
	}

	/**
	 * Which of these conversations have a message whose (decrypted) content
	 * {@code matches}; the caller has checked they are the user's. A
	 * conversation's remaining messages are skipped once one matched.
	 */
	Set<UUID> withMessageMatching(Collection<UUID> conversationIds, Predicate<String> matches) {
		Set<UUID> found = new HashSet<>();
		if (conversationIds.isEmpty()) {
			return found;
		}
		this.jdbc.sql("SELECT conversation_id, content FROM messages WHERE conversation_id IN (:ids)")
			.param("ids", conversationIds)
			.query((RowCallbackHandler) (rs) -> {
				UUID conversationId = rs.getObject("conversation_id", UUID.class);
				if (!found.contains(conversationId)
						&& matches.test(this.cipher.decrypt(rs.getString("content"), EncryptedFields.MESSAGE_CONTENT))) {
					found.add(conversationId);
				}
			});
		return found;
	}

	/** A new title; the activity time stays, so a rename does not reorder the list. */
	Optional<ConversationView> renameConversation(UUID id, UUID userId, String title) {
		return this.jdbc.sql("UPDATE conversations SET title = :title WHERE id = :id AND user_id = :userId "
				+ "RETURNING " + CONVERSATION)
			.param("title", this.cipher.encrypt(title, EncryptedFields.CONVERSATION_TITLE))
			.param("id", id)
			.param("userId", userId)
			.query(this::conversation)
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
			.param("content", this.cipher.encrypt(content, EncryptedFields.MESSAGE_CONTENT))
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
					Tier.valueOf(rs.getString("tier")),
					this.cipher.decrypt(rs.getString("content"), EncryptedFields.MESSAGE_CONTENT), rs.getString("job_id"),
					rs.getTimestamp("created_at").toInstant()))
			.list();
	}

	void touchConversation(UUID id, Instant now) {
		this.jdbc.sql("UPDATE conversations SET updated_at = :now WHERE id = :id")
			.param("now", Timestamp.from(now))
			.param("id", id)
			.update();
	}

	private ConversationView conversation(ResultSet rs, int row) throws SQLException {
		return new ConversationView(rs.getObject("id", UUID.class),
				this.cipher.decrypt(rs.getString("title"), EncryptedFields.CONVERSATION_TITLE),
				rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
	}

	private MessageView message(ResultSet rs, int row) throws SQLException {
		String rating = rs.getString("feedback_rating");
		return new MessageView(rs.getObject("id", UUID.class), rs.getObject("conversation_id", UUID.class),
				rs.getString("role"), this.cipher.decrypt(rs.getString("content"), EncryptedFields.MESSAGE_CONTENT),
				rs.getString("status"), rs.getString("job_id"),
				this.json.readTree(this.cipher.decryptJson(rs.getString("metadata"), EncryptedFields.MESSAGE_METADATA)),
				rs.getTimestamp("created_at").toInstant(),
				(rating != null) ? new FeedbackView(Rating.valueOf(rating), rs.getString("feedback_comment")) : null);
	}

	record PendingQuestion(UUID id, UUID conversationId, UUID userId, Tier tier, String content, String jobId,
			Instant createdAt) {
	}

}
