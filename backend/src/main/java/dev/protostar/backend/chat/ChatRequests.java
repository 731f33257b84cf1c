package dev.protostar.backend.chat;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Request bodies of the chat endpoints, validated before a controller runs. */
final class ChatRequests {

	static final int TITLE_MAX = 200;

	static final int QUESTION_MAX = 4000;

	/**
	 * No control characters except tab and line breaks: PostgreSQL refuses NUL
	 * in text (which would otherwise surface as a 500), and the others have no
	 * business in a question.
	 */
	static final String TEXT = "[\\P{Cntrl}\\t\\n\\r]*";

	private ChatRequests() {
	}

	/**
	 * @param title optional; a default title is used when missing or blank.
	 * Stored as sent, escaped by whoever renders it.
	 */
	record NewConversation(@Size(max = TITLE_MAX, message = "must be at most 200 characters")
	@Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters") String title) {
	}

	/**
	 * @param message the question, stored as sent (markup and SQL included:
	 * it is only ever a bind parameter and text for the client to escape)
	 */
	record NewQuestion(@NotBlank(message = "is required")
	@Size(max = QUESTION_MAX, message = "must be at most 4000 characters")
	@Pattern(regexp = TEXT, message = "must not contain control characters") String message) {

		@Override
		public String toString() {
			// Questions may be personal: keep them out of logs.
			return "NewQuestion[" + ((this.message != null) ? this.message.length() : 0) + " characters]";
		}

	}

}
