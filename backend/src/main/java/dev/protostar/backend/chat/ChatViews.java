package dev.protostar.backend.chat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/** Response payloads of the chat endpoints (inside the envelope's {@code data}). */
final class ChatViews {

	private ChatViews() {
	}

	record ConversationView(UUID id, String title, Instant createdAt, Instant updatedAt) {
	}

	/**
	 * @param role {@code user} or {@code assistant}
	 * @param status {@code pending}, {@code answered} or {@code failed}
	 * @param jobId the job that answers (user) or answered (assistant) it
	 * @param metadata e.g. {@code {"citations": []}} on answers
	 * @param feedback the asker's vote on an answer, or null
	 */
	record MessageView(UUID id, UUID conversationId, String role, String content, String status, String jobId,
			JsonNode metadata, Instant createdAt, FeedbackView feedback) {
	}

	/** A thumbs up or down on an answer. */
	enum Rating {

		UP, DOWN

	}

	/**
	 * The feedback on an answer, as its asker sees it.
	 * @param comment optional, as sent (escaped by whoever renders it)
	 */
	record FeedbackView(Rating rating, String comment) {
	}

	/**
	 * Feedback as the admins' list shows it.
	 * @param messageId the answer voted on
	 * @param question the question it answers (null if that is gone)
	 * @param answerExcerpt the answer's first 300 characters
	 * @param userEmail who voted (the conversation's owner)
	 * @param createdAt when this vote was given (a new vote replaces the old)
	 */
	record FeedbackEntry(UUID messageId, UUID conversationId, String userEmail, Rating rating, String comment,
			String question, String answerExcerpt, Instant createdAt) {
	}

	/**
	 * One page of an admin's list, with the total count for a pager.
	 * @param total items over all pages
	 */
	record CountedPage<T>(List<T> items, int page, int size, boolean hasMore, long total) {
	}

	/**
	 * One page of a list.
	 * @param page the page number, from 0
	 * @param size the page size asked for
	 * @param hasMore whether a next page exists
	 */
	record Page<T>(List<T> items, int page, int size, boolean hasMore) {
	}

	/**
	 * The answer to a question: accepted, the answer follows as events.
	 * @param jobId the job answering it; events about it carry this id
	 * @param messageId the stored question
	 */
	record QuestionAccepted(String jobId, UUID messageId, UUID conversationId) {
	}

}
