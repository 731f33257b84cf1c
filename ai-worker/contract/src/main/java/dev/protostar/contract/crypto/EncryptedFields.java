package dev.protostar.contract.crypto;

/**
 * The fields both applications encrypt, by the name each value is bound to (the
 * associated data of {@link DataCipher}): a value decrypts only as the field it was
 * written for, so a ciphertext copied into another column, or into another field of the
 * job payload, is refused instead of shown. The backend and the worker write and read the
 * same columns, so the names live here, once.
 */
public final class EncryptedFields {

	/** {@code conversations.title}: what a user named the conversation. */
	public static final String CONVERSATION_TITLE = "conversations.title";

	/** {@code messages.content}: a question or an answer. */
	public static final String MESSAGE_CONTENT = "messages.content";

	/**
	 * {@code messages.metadata}: an answer's citations (with the passages they quote),
	 * provider and model; stored as the jsonb object {@code {"encrypted": "…"}}.
	 */
	public static final String MESSAGE_METADATA = "messages.metadata";

	/** The question in a chat job's payload ({@code ChatJobPayload.message}), while it waits in Redis. */
	public static final String CHAT_JOB_MESSAGE = "chat-job.message";

	/**
	 * An event's {@code data} in a user's Redis event stream: the answer's tokens,
	 * {@code reset} text and the rest, while they wait there for a reconnect with
	 * {@code Last-Event-ID}; stored as the JSON object {@code {"encrypted": "…"}}.
	 */
	public static final String EVENT_DATA = "events.data";

	private EncryptedFields() {
	}

}
