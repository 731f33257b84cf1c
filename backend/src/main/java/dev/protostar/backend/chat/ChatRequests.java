package dev.protostar.backend.chat;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Request bodies of the chat endpoints, validated before a controller runs. */
final class ChatRequests {

	static final int TITLE_MAX = 200;

	static final int QUESTION_MAX = 4000;

	static final int COMMENT_MAX = 2000;

	static final int SEARCH_MAX = 200;

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
	 * @param title the new title: 1 to 200 characters once trimmed (checked
	 * by the service, which trims it)
	 */
	record Rename(@NotNull(message = "is required")
	@Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters") String title) {
	}

	/**
	 * @param rating {@code UP} or {@code DOWN}
	 * @param comment optional, stored as sent (blank is stored as none)
	 */
	record Feedback(@NotNull(message = "is required (UP or DOWN)") ChatViews.Rating rating,
			@Size(max = COMMENT_MAX, message = "must be at most 2000 characters")
			@Pattern(regexp = TEXT, message = "must not contain control characters") String comment) {

		@Override
		public String toString() {
			// Comments may be personal: keep them out of logs.
			return "Feedback[" + this.rating + "]";
		}

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
