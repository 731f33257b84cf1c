package dev.protostar.backend.reencryption;

import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.protostar.contract.crypto.EncryptedFields;

/**
 * The encrypted columns, read in id order a batch at a time, and written back only if
 * unchanged since they were read.
 * <p>
 * A value counts as done when it is stored with the active key, which its text says
 * ({@code pse1:<key id>:}); everything else (an older key's, plaintext) is a candidate.
 * The scans have no index to use, on purpose: an index on the key id would be one more
 * thing the apps write for every message, for a job that runs after a rotation. At
 * 100,000 messages a pass that finds nothing reads the table in well under a second.
 */
class ReencryptionRepository {

	/** Where a pass starts: below every id ({@code uuid} compares as its 16 bytes). */
	static final UUID FIRST = new UUID(0, 0);

	/** A stored value and where it is. */
	record Row(UUID id, String value) {
	}

	/**
	 * One encrypted column: how to find its candidates after an id, and how to put a new
	 * value in place of the one read.
	 */
	enum Column {

		CONVERSATION_TITLE(EncryptedFields.CONVERSATION_TITLE, false, """
				SELECT id, title AS value FROM conversations
				WHERE id > :after AND title IS NOT NULL AND title NOT LIKE :done
				ORDER BY id LIMIT :limit""",
				"UPDATE conversations SET title = :value WHERE id = :id AND title = :old"),

		MESSAGE_CONTENT(EncryptedFields.MESSAGE_CONTENT, false, """
				SELECT id, content AS value FROM messages
				WHERE id > :after AND content IS NOT NULL AND content NOT LIKE :done
				ORDER BY id LIMIT :limit""",
				"UPDATE messages SET content = :value WHERE id = :id AND content = :old"),

		/**
		 * An answer's metadata; a question's holds no more than why it failed, which is
		 * written by a jsonb merge that an encrypted object would not survive.
		 */
		MESSAGE_METADATA(EncryptedFields.MESSAGE_METADATA, true, """
				SELECT id, metadata::text AS value FROM messages
				WHERE id > :after AND role = 'assistant' AND metadata IS NOT NULL
				AND coalesce(metadata->>'encrypted', '') NOT LIKE :done
				ORDER BY id LIMIT :limit""",
				"UPDATE messages SET metadata = CAST(:value AS jsonb) WHERE id = :id AND metadata = CAST(:old AS jsonb)");

		final String field;

		final boolean json;

		private final String candidates;

		private final String replace;

		Column(String field, boolean json, String candidates, String replace) {
			this.field = field;
			this.json = json;
			this.candidates = candidates;
			this.replace = replace;
		}

	}

	private final JdbcClient jdbc;

	ReencryptionRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * @param activeKeyId the key values should be stored with
	 * @return up to {@code limit} values of the column, after {@code after} in id order,
	 * not stored with that key
	 */
	List<Row> candidates(Column column, String activeKeyId, UUID after, int limit) {
		return this.jdbc.sql(column.candidates)
			.param("after", after)
			// Key ids are [a-z0-9-]: nothing LIKE would read as a wildcard.
			.param("done", "pse1:" + activeKeyId + ":%")
			.param("limit", limit)
			.query((rs, rowNum) -> new Row(rs.getObject("id", UUID.class), rs.getString("value")))
			.list();
	}

	/** @return whether the row still held {@code old} and now holds {@code value} */
	boolean replace(Column column, UUID id, String old, String value) {
		return this.jdbc.sql(column.replace).param("id", id).param("old", old).param("value", value).update() == 1;
	}

}
