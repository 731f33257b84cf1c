package dev.protostar.worker.chat;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;

/**
 * SQL on the backend's {@code messages} and {@code conversations} tables (see
 * package-info: the worker never migrates them). Every value is a bind
 * parameter.
 * <p>
 * Contents and metadata are encrypted here on their way in when a data key is
 * active, and decrypted on their way out, exactly as the backend does (the
 * same {@link EncryptedFields}): what this class returns and takes is always
 * plaintext. A question's metadata stays plaintext (the backend writes
 * {@code {}}), so {@link #failQuestion} can still merge into it in SQL.
 */
@Repository
class ChatMessages {

	private final JdbcClient jdbc;

	private final DataCipher cipher;

	ChatMessages(JdbcClient jdbc, DataCipher cipher) {
		this.jdbc = jdbc;
		this.cipher = cipher;
	}

	/** The user's question a job answers, with its conversation's owner. */
	record Question(UUID id, UUID conversationId, UUID userId, String status) {
	}

	Optional<Question> question(String jobId) {
		return this.jdbc.sql("""
				SELECT m.id, m.conversation_id, c.user_id, m.status
				FROM messages m JOIN conversations c ON c.id = m.conversation_id
				WHERE m.job_id = :jobId AND m.role = 'user'
				""")
			.param("jobId", jobId)
			.query((rs, row) -> new Question(rs.getObject("id", UUID.class), rs.getObject("conversation_id", UUID.class),
					rs.getObject("user_id", UUID.class), rs.getString("status")))
			.optional();
	}

	/** Whether the conversation is still there (its owner may have deleted it, questions and all). */
	boolean conversationExists(UUID conversationId) {
		return this.jdbc.sql("SELECT count(*) FROM conversations WHERE id = :id")
			.param("id", conversationId)
			.query(Long.class)
			.single() == 1;
	}

	/** The answer a job already wrote, if any, with its metadata (JSON), decrypted. */
	record Answer(UUID id, String content, String metadata) {
	}

	Optional<Answer> answer(String jobId) {
		return this.jdbc
			.sql("SELECT id, content, metadata::text AS metadata FROM messages WHERE job_id = :jobId AND role = 'assistant'")
			.param("jobId", jobId)
			.query((rs, row) -> new Answer(rs.getObject("id", UUID.class),
					this.cipher.decrypt(rs.getString("content"), EncryptedFields.MESSAGE_CONTENT),
					this.cipher.decryptJson(rs.getString("metadata"), EncryptedFields.MESSAGE_METADATA)))
			.optional();
	}

	/** A message of the conversation before the question. */
	record Earlier(boolean fromUser, String content) {
	}

	/**
	 * The latest {@code limit} answered messages of the conversation written before the
	 * question, oldest first: what a follow-up question refers to.
	 */
	List<Earlier> before(UUID conversationId, UUID questionId, int limit) {
		if (limit <= 0) {
			return List.of();
		}
		List<Earlier> newestFirst = this.jdbc.sql("""
				SELECT role, content FROM messages
				WHERE conversation_id = :conversationId AND status = 'answered'
				  AND created_at < (SELECT created_at FROM messages WHERE id = :questionId)
				ORDER BY created_at DESC, id DESC
				LIMIT :limit
				""")
			.param("conversationId", conversationId)
			.param("questionId", questionId)
			.param("limit", limit)
			.query((rs, row) -> new Earlier("user".equals(rs.getString("role")),
					this.cipher.decrypt(rs.getString("content"), EncryptedFields.MESSAGE_CONTENT)))
			.list();
		return newestFirst.reversed();
	}

	/**
	 * Writes the answer unless this job already has one (a retry, or two
	 * workers holding the job after a lease was taken over): the unique index
	 * on (job_id, role) decides, not a check before the insert.
	 * @param content the answer, in plaintext
	 * @param metadata its metadata (JSON), in plaintext
	 * @return whether this call wrote it
	 */
	boolean insertAnswer(UUID id, UUID conversationId, String jobId, String content, String metadata) {
		return this.jdbc.sql("""
				INSERT INTO messages (id, conversation_id, role, content, job_id, status, metadata)
				VALUES (:id, :conversationId, 'assistant', :content, :jobId, 'answered', CAST(:metadata AS jsonb))
				ON CONFLICT (job_id, role) WHERE job_id IS NOT NULL DO NOTHING
				""")
			.param("id", id)
			.param("conversationId", conversationId)
			.param("content", this.cipher.encrypt(content, EncryptedFields.MESSAGE_CONTENT))
			.param("jobId", jobId)
			.param("metadata", this.cipher.encryptJson(metadata, EncryptedFields.MESSAGE_METADATA))
			.update() == 1;
	}

	void questionStatus(UUID questionId, String status) {
		this.jdbc.sql("UPDATE messages SET status = :status WHERE id = :id")
			.param("status", status)
			.param("id", questionId)
			.update();
	}

	void touchConversation(UUID conversationId) {
		this.jdbc.sql("UPDATE conversations SET updated_at = now() WHERE id = :id")
			.param("id", conversationId)
			.update();
	}

	/**
	 * Marks the question of a job that will not be answered, only while it is still
	 * pending, adding {@code failure} (JSON: {@code resultCode}, {@code message}) to its
	 * metadata, which the backend returns with the message.
	 */
	void failQuestion(String jobId, String failure) {
		this.jdbc.sql("""
				UPDATE messages SET status = 'failed', metadata = metadata || CAST(:failure AS jsonb)
				WHERE job_id = :jobId AND role = 'user' AND status = 'pending'
				""")
			.param("jobId", jobId)
			.param("failure", failure)
			.update();
	}

}
