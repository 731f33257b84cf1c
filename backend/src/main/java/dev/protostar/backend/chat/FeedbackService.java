package dev.protostar.backend.chat;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

import org.springframework.stereotype.Service;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.chat.ChatViews.CountedPage;
import dev.protostar.backend.chat.ChatViews.FeedbackEntry;
import dev.protostar.backend.chat.ChatViews.FeedbackView;
import dev.protostar.backend.chat.ChatViews.Rating;

/**
 * Thumbs up or down on answers, kept with the answer so that answer quality
 * can be followed (the admins' list). Only the asker votes on an answer: any
 * other message id (a question, someone else's answer, an unknown id) is a
 * 404, all alike.
 */
@Service
class FeedbackService {

	private final FeedbackRepository feedback;

	private final Clock clock;

	FeedbackService(FeedbackRepository feedback, Clock clock) {
		this.feedback = feedback;
		this.clock = clock;
	}

	/** Sets the vote, replacing any earlier one. */
	FeedbackView put(UUID userId, UUID messageId, Rating rating, String comment) {
		String stored = (comment == null || comment.isBlank()) ? null : comment.strip();
		if (!this.feedback.put(messageId, userId, rating, stored, this.clock.instant())) {
			throw noAnswer();
		}
		return new FeedbackView(rating, stored);
	}

	/** Takes the vote back; nothing to take back is fine too. */
	void delete(UUID userId, UUID messageId) {
		if (!this.feedback.isAnswerOf(messageId, userId)) {
			throw noAnswer();
		}
		this.feedback.delete(messageId);
	}

	/** Every vote, newest first, optionally of one rating. */
	CountedPage<FeedbackEntry> list(Rating rating, int page, int size) {
		List<FeedbackEntry> rows = this.feedback.list(rating, page * size, size + 1);
		boolean hasMore = rows.size() > size;
		return new CountedPage<>(hasMore ? rows.subList(0, size) : rows, page, size, hasMore,
				this.feedback.count(rating));
	}

	private static ApiException noAnswer() {
		return new ApiException(ResultCode.NOT_FOUND, "no such answer");
	}

}
