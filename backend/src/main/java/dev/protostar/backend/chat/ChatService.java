package dev.protostar.backend.chat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.slf4j.MDC;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.backend.account.QuestionActivity;
import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.chat.ChatViews.ConversationView;
import dev.protostar.backend.chat.ChatViews.MessageView;
import dev.protostar.backend.chat.ChatViews.Page;
import dev.protostar.backend.chat.ChatViews.QuestionAccepted;
import dev.protostar.backend.queue.JobQueueClient;
import dev.protostar.backend.ratelimit.RateLimitDecision;
import dev.protostar.backend.ratelimit.DailyQuestionQuota;
import dev.protostar.backend.request.RequestIdFilter;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.tier.TierProperties;
import dev.protostar.contract.queue.ChatJobPayload;

@Service
class ChatService {

	static final String DEFAULT_TITLE = "New conversation";

	private static final Log logger = LogFactory.getLog(ChatService.class);

	private final ChatRepository chats;

	private final ConversationSearch search;

	private final QuestionActivity activity;

	private final JobQueueClient queue;

	private final DailyQuestionQuota quota;

	private final TierProperties tiers;

	private final TransactionTemplate transactions;

	private final Clock clock;

	private final MeterRegistry meters;

	ChatService(ChatRepository chats, ConversationSearch search, QuestionActivity activity, JobQueueClient queue,
			DailyQuestionQuota quota, TierProperties tiers, TransactionTemplate transactions, Clock clock,
			MeterRegistry meters) {
		this.chats = chats;
		this.search = search;
		this.activity = activity;
		this.queue = queue;
		this.quota = quota;
		this.tiers = tiers;
		this.transactions = transactions;
		this.clock = clock;
		this.meters = meters;
	}

	ConversationView createConversation(UUID userId, String title) {
		UUID id = UUID.randomUUID();
		Instant now = this.clock.instant();
		String stored = (title == null || title.isBlank()) ? DEFAULT_TITLE : title.strip();
		this.chats.insertConversation(id, userId, stored, now);
		return new ConversationView(id, stored, now, now);
	}

	/** @param search text to look for in titles and messages; null or blank for all */
	Page<ConversationView> conversations(UUID userId, String search, int page, int size) {
		List<ConversationView> rows = (search == null || search.isBlank())
				? this.chats.conversations(userId, page * size, size + 1)
				: this.search.find(userId, search.strip(), page * size, size + 1);
		return page(rows, page, size);
	}

	/** A new title, trimmed: 1 to 200 characters. */
	ConversationView rename(UUID userId, UUID conversationId, String title) {
		String stored = title.strip();
		int length = stored.codePointCount(0, stored.length());
		if (length < 1 || length > ChatRequests.TITLE_MAX) {
			throw new ApiException(ResultCode.VALIDATION_FAILED,
					"title: must be 1 to " + ChatRequests.TITLE_MAX + " characters once trimmed");
		}
		return this.chats.renameConversation(conversationId, userId, stored).orElseThrow(ChatService::noConversation);
	}

	/**
	 * Deletes a conversation with its messages. A question of it still being
	 * answered is not called back: the worker finds its conversation gone and
	 * drops the answer (see the ai-worker's ChatJobHandler).
	 */
	void delete(UUID userId, UUID conversationId) {
		if (!this.chats.deleteConversation(conversationId, userId)) {
			throw noConversation();
		}
	}

	Page<MessageView> messages(UUID userId, UUID conversationId, int page, int size) {
		ownedConversation(userId, conversationId);
		return page(this.chats.messages(conversationId, page * size, size + 1), page, size);
	}

	/**
	 * Stores the question, then enqueues the job that answers it. The order
	 * matters: the question is committed first, so a worker that takes the job
	 * at once always finds it (no retry, no backoff in the answer's time); the
	 * {@code accepted} event goes out between the commit and the enqueue, so it
	 * is the first event of the job on the user's stream. A failed enqueue
	 * takes the question back out (503, nothing stored, not counted). Should
	 * even that fail, the question stays {@code pending} without a job; resent
	 * with the same Idempotency-Key it is enqueued then.
	 * <p>
	 * The question counts towards the user's activity (and promotion) once its
	 * job is queued.
	 * @param idempotencyKey optional; the same key from the same user yields
	 * the same job id, so a client resending a POST gets the first answer again
	 * instead of asking twice
	 */
	QuestionAccepted ask(AuthenticatedUser user, UUID conversationId, String message, String idempotencyKey) {
		String jobId = jobId(user.id(), idempotencyKey);
		if (idempotencyKey != null) {
			Optional<MessageView> asked = this.chats.findQuestionOfJob(jobId, user.id());
			if (asked.isPresent()) {
				return resent(user, asked.get());
			}
		}
		ownedConversation(user.id(), conversationId);
		checkDailyQuota(user);
		UUID messageId = UUID.randomUUID();
		Instant now = this.clock.instant();
		try {
			this.transactions.executeWithoutResult((status) -> {
				this.chats.insertQuestion(messageId, conversationId, message, jobId, now);
				this.chats.touchConversation(conversationId, now);
			});
		}
		catch (DuplicateKeyException ex) {
			// The same Idempotency-Key in two requests at once: the other one won.
			return this.chats.findQuestionOfJob(jobId, user.id()).map(ChatService::accepted).orElseThrow(() -> ex);
		}
		publishAccepted(user.id(), jobId, conversationId, messageId);
		try {
			enqueue(user, conversationId, message, jobId);
		}
		catch (ApiException ex) {
			withdraw(user.id(), jobId, messageId);
			throw ex;
		}
		countQuestion(user, now);
		return new QuestionAccepted(jobId, messageId, conversationId);
	}

	/**
	 * A question sent again with its Idempotency-Key. One still {@code pending}
	 * is enqueued again: the queue ignores a job id it knows, and a question
	 * left without its job (see {@link #ask}) gets one.
	 */
	private QuestionAccepted resent(AuthenticatedUser user, MessageView question) {
		if ("pending".equals(question.status())) {
			enqueue(user, question.conversationId(), question.content(), question.jobId());
		}
		return accepted(question);
	}

	/** Takes back a question whose job could not be queued; best effort, the caller answers 503 anyway. */
	private void withdraw(UUID userId, String jobId, UUID messageId) {
		try {
			this.chats.deleteQuestion(messageId);
		}
		catch (RuntimeException ex) {
			logger.warn("Job " + jobId + ": could not withdraw question " + messageId
					+ "; it stays pending until resent with its Idempotency-Key: " + ex);
		}
		try {
			this.queue.publishEvent(userId.toString(), jobId, "failed",
					Map.of("error", "the question was not accepted; try again shortly", "resultCode",
							ResultCode.SERVICE_UNAVAILABLE.name()));
		}
		catch (RuntimeException ex) {
			logger.debug("Job " + jobId + ": could not publish its 'failed' event: " + ex);
		}
	}

	private void countQuestion(AuthenticatedUser user, Instant now) {
		try {
			this.transactions.executeWithoutResult((status) -> this.activity.questionAsked(user.id(), now));
		}
		catch (RuntimeException ex) {
			// The question is stored and queued; only the activity count misses it.
			logger.warn("Could not count a question of user " + user.id() + ": " + ex);
		}
		Counter.builder("protostar.questions.asked")
			.description("Questions accepted (stored and enqueued), by the asker's tier")
			.tag("tier", user.tier().name())
			.register(this.meters)
			.increment();
	}

	private void enqueue(AuthenticatedUser user, UUID conversationId, String message, String jobId) {
		// The tier's limit as configured here, so the worker needs no copy of the tier settings.
		// The tier is the user's current one, not the access token's (see BearerTokenFilter):
		// a user demoted a moment ago is answered from the documents of the new tier.
		ChatJobPayload payload = new ChatJobPayload(jobId, user.id().toString(), user.tier().name(),
				this.tiers.limitsOf(user.tier()).documentAccess(), conversationId.toString(), message,
				MDC.get(RequestIdFilter.MDC_KEY));
		try {
			if (!this.queue.enqueue(payload)) {
				// Known to the queue already: a resent question (Idempotency-Key).
				logger.debug("Job " + jobId + " was already queued");
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not enqueue job " + jobId + "; the question is not accepted: " + ex);
			throw new ApiException(ResultCode.SERVICE_UNAVAILABLE,
					"questions cannot be accepted right now; try again shortly", 5L);
		}
	}

	/** Tells the user's event stream at once; the answer's events follow from the worker. */
	private void publishAccepted(UUID userId, String jobId, UUID conversationId, UUID messageId) {
		try {
			this.queue.publishEvent(userId.toString(), jobId, "accepted",
					Map.of("conversationId", conversationId.toString(), "messageId", messageId.toString()));
		}
		catch (RuntimeException ex) {
			// The job is queued; only the early notice is lost.
			logger.warn("Job " + jobId + ": could not publish the 'accepted' event: " + ex);
		}
	}

	/** Questions per user and UTC day, by tier; the window ends at midnight UTC. */
	private void checkDailyQuota(AuthenticatedUser user) {
		int limit = this.tiers.limitsOf(user.tier()).questionsPerDay();
		RateLimitDecision decision = this.quota.tryAcquire(user.id(), limit);
		if (!decision.allowed()) {
			throw new ApiException(ResultCode.RATE_LIMITED,
					"daily question limit of " + limit + " reached; it resets at midnight UTC",
					decision.resetAfterSeconds());
		}
	}

	private void ownedConversation(UUID userId, UUID conversationId) {
		if (this.chats.findConversation(conversationId, userId).isEmpty()) {
			throw noConversation();
		}
	}

	/** Another user's conversation looks exactly like one that does not exist. */
	private static ApiException noConversation() {
		return new ApiException(ResultCode.NOT_FOUND, "no such conversation");
	}

	static String jobId(UUID userId, String idempotencyKey) {
		if (idempotencyKey == null) {
			return UUID.randomUUID().toString();
		}
		return UUID.nameUUIDFromBytes((userId + ":" + idempotencyKey).getBytes(StandardCharsets.UTF_8)).toString();
	}

	private static QuestionAccepted accepted(MessageView question) {
		return new QuestionAccepted(question.jobId(), question.id(), question.conversationId());
	}

	private static <T> Page<T> page(List<T> rows, int page, int size) {
		boolean hasMore = rows.size() > size;
		return new Page<>(hasMore ? rows.subList(0, size) : rows, page, size, hasMore);
	}

}
