package dev.protostar.backend.chat;

import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.chat.ChatViews.CountedPage;
import dev.protostar.backend.chat.ChatViews.FeedbackEntry;
import dev.protostar.backend.chat.ChatViews.FeedbackView;
import dev.protostar.backend.chat.ChatViews.Rating;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

/** Feedback on answers: the asker votes, admins read the votes. */
@RestController
class FeedbackController {

	private final FeedbackService feedback;

	FeedbackController(FeedbackService feedback) {
		this.feedback = feedback;
	}

	/** Thumbs up or down, with an optional comment, on an answer in one of the caller's conversations. */
	@RequiresTier(Tier.GUEST)
	@PutMapping(path = "/api/messages/{messageId}/feedback", consumes = MediaType.APPLICATION_JSON_VALUE)
	ApiResponse<FeedbackView> put(@AuthenticationPrincipal AuthenticatedUser user, @PathVariable UUID messageId,
			@Valid @RequestBody ChatRequests.Feedback request) {
		return ApiResponse.ok(this.feedback.put(user.id(), messageId, request.rating(), request.comment()));
	}

	/** Takes the caller's vote on an answer back. */
	@RequiresTier(Tier.GUEST)
	@DeleteMapping("/api/messages/{messageId}/feedback")
	ApiResponse<Void> delete(@AuthenticationPrincipal AuthenticatedUser user, @PathVariable UUID messageId) {
		this.feedback.delete(user.id(), messageId);
		return ApiResponse.ok(null);
	}

	/** Every vote, the newest first, with its question and the answer's start. */
	@RequiresTier(Tier.ADMIN)
	@GetMapping("/api/admin/feedback")
	ApiResponse<CountedPage<FeedbackEntry>> list(@RequestParam(required = false) Rating rating,
			@RequestParam(defaultValue = "0") @Min(0) @Max(10_000) int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return ApiResponse.ok(this.feedback.list(rating, page, size));
	}

}
