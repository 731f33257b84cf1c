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
	 */
	record MessageView(UUID id, UUID conversationId, String role, String content, String status, String jobId,
			JsonNode metadata, Instant createdAt) {
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
