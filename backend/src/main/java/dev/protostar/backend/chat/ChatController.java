package dev.protostar.backend.chat;

import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.chat.ChatViews.ConversationView;
import dev.protostar.backend.chat.ChatViews.MessageView;
import dev.protostar.backend.chat.ChatViews.Page;
import dev.protostar.backend.chat.ChatViews.QuestionAccepted;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

/**
 * Conversations and questions. Answers are not returned here: posting a
 * question answers 202 at once, and the answer arrives as events on
 * {@code GET /api/events} (and is then listed with the messages).
 */
@RestController
@RequiresTier(Tier.GUEST)
class ChatController {

	private final ChatService chat;

	ChatController(ChatService chat) {
		this.chat = chat;
	}

	/** The body is optional: an empty POST makes a conversation with the default title. */
	@PostMapping("/api/conversations")
	ResponseEntity<ApiResponse<ConversationView>> create(@AuthenticationPrincipal AuthenticatedUser user,
			@Valid @RequestBody(required = false) ChatRequests.NewConversation request) {
		ConversationView created = this.chat.createConversation(user.id(), (request != null) ? request.title() : null);
		return ResponseEntity.status(HttpStatus.CREATED).body(ApiResponse.ok(created));
	}

	/**
	 * The caller's conversations, the most recently active first; with
	 * {@code q}, only those whose title or messages contain it (any case).
	 */
	@GetMapping("/api/conversations")
	ApiResponse<Page<ConversationView>> list(@AuthenticationPrincipal AuthenticatedUser user,
			@RequestParam(required = false) @Size(max = ChatRequests.SEARCH_MAX,
					message = "must be at most 200 characters") @Pattern(regexp = "[^\\p{Cntrl}]*",
							message = "must not contain control characters") String q,
			@RequestParam(defaultValue = "0") @Min(0) @Max(10_000) int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return ApiResponse.ok(this.chat.conversations(user.id(), q, page, size));
	}

	/** Renames one of the caller's conversations. */
	@PatchMapping(path = "/api/conversations/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
	ApiResponse<ConversationView> rename(@AuthenticationPrincipal AuthenticatedUser user, @PathVariable UUID id,
			@Valid @RequestBody ChatRequests.Rename request) {
		return ApiResponse.ok(this.chat.rename(user.id(), id, request.title()));
	}

	/** Deletes one of the caller's conversations, its messages and their feedback. */
	@DeleteMapping("/api/conversations/{id}")
	ApiResponse<Void> delete(@AuthenticationPrincipal AuthenticatedUser user, @PathVariable UUID id) {
		this.chat.delete(user.id(), id);
		return ApiResponse.ok(null);
	}

	/** Messages of one of the caller's conversations, oldest first. */
	@GetMapping("/api/conversations/{id}/messages")
	ApiResponse<Page<MessageView>> messages(@AuthenticationPrincipal AuthenticatedUser user, @PathVariable UUID id,
			@RequestParam(defaultValue = "0") @Min(0) @Max(10_000) int page,
			@RequestParam(defaultValue = "100") @Min(1) @Max(500) int size) {
		return ApiResponse.ok(this.chat.messages(user.id(), id, page, size));
	}

	/**
	 * Accepts a question: 202 with the job id at once. An optional
	 * {@code Idempotency-Key} makes a resent request return the first answer.
	 */
	@PostMapping(path = "/api/conversations/{id}/messages", consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<ApiResponse<QuestionAccepted>> ask(@AuthenticationPrincipal AuthenticatedUser user,
			@PathVariable UUID id, @Valid @RequestBody ChatRequests.NewQuestion request,
			@RequestHeader(name = "Idempotency-Key", required = false)
			@Pattern(regexp = "[A-Za-z0-9._:-]{8,128}",
					message = "must be 8 to 128 characters of A-Z a-z 0-9 . _ : -") String idempotencyKey) {
		QuestionAccepted accepted = this.chat.ask(user, id, request.message(), idempotencyKey);
		return ResponseEntity.status(HttpStatus.ACCEPTED).body(ApiResponse.ok(accepted));
	}

}
