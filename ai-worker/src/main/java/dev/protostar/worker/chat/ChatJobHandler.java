package dev.protostar.worker.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.worker.queue.ChatJob;
import dev.protostar.worker.queue.Job;
import dev.protostar.worker.queue.JobContext;
import dev.protostar.worker.queue.JobHandler;
import dev.protostar.worker.queue.JobPayloads;
import dev.protostar.worker.queue.NonRetryableJobException;

/**
 * Answers {@code chat} jobs. Until retrieval exists it gives the
 * {@link OfflineAnswer}. Events, in order: {@code token} for each word of the
 * answer ({@code {"text": "…"}}), then {@code answer} with the stored message
 * ({@code {"messageId", "questionId", "conversationId", "content",
 * "citations"}}); the worker itself follows with {@code completed}.
 * <p>
 * Idempotent, since a job can run more than once (a retry, a lease taken
 * over): a job that already has its answer row writes nothing and sends that
 * answer again; the insert itself cannot happen twice (unique index on
 * job_id and role).
 * <p>
 * The backend enqueues the job just before it commits the question, so a fast
 * worker may find no question yet: that is a retryable failure (the retry
 * comes after the backoff). A job whose question never appears (the backend
 * rolled back after the enqueue) is dead-lettered once its attempts are used
 * up; a question whose job gives up for good is marked {@code failed}.
 */
@Component
public class ChatJobHandler implements JobHandler {

	static final String TYPE = "chat";

	private static final Logger log = LoggerFactory.getLogger(ChatJobHandler.class);

	private final ChatMessages messages;

	private final TransactionTemplate transactions;

	ChatJobHandler(ChatMessages messages, TransactionTemplate transactions) {
		this.messages = messages;
		this.transactions = transactions;
	}

	/** Where a handler's events go: the job's context in production, a list in tests. */
	interface Events {

		void event(String name, Map<String, ?> data);

	}

	@Override
	public String type() {
		return TYPE;
	}

	@Override
	public void handle(Job job, JobContext context) throws Exception {
		handle(job, context::event);
	}

	void handle(Job job, Events events) throws Exception {
		ChatJob chat = JobPayloads.chat(job);
		String previousTrace = MDC.get("traceId");
		if (chat.traceId() != null) {
			MDC.put("traceId", chat.traceId());
		}
		try {
			answer(chat, events);
		}
		catch (Exception ex) {
			if (ex instanceof NonRetryableJobException || job.lastAttempt()) {
				markFailed(job.id());
			}
			throw ex;
		}
		finally {
			if (previousTrace != null) {
				MDC.put("traceId", previousTrace);
			}
			else {
				MDC.remove("traceId");
			}
		}
	}

	void answer(ChatJob chat, Events events) {
		UUID userId = uuid(chat.userId(), "userId", chat);
		UUID conversationId = uuid(chat.conversationId(), "conversationId", chat);
		ChatMessages.Question question = this.messages.question(chat.jobId())
			.orElseThrow(() -> new IllegalStateException("no question is stored for job " + chat.jobId()
					+ " (yet): the backend commits it just after the enqueue, or rolled it back"));
		if (!question.userId().equals(userId) || !question.conversationId().equals(conversationId)) {
			throw new NonRetryableJobException("job " + chat.jobId() + " names another user or conversation than"
					+ " its stored question");
		}
		var existing = this.messages.answer(chat.jobId());
		if (existing.isPresent()) {
			log.info("Job {} was answered before (message {}); sending that answer again", chat.jobId(),
					existing.get().id());
			events.event("answer", answer(existing.get().id(), question, existing.get().content()));
			return;
		}
		String content = OfflineAnswer.compose(chat.message());
		List<String> tokens = OfflineAnswer.tokens(content);
		for (String token : tokens) {
			events.event("token", Map.of("text", token));
		}
		UUID answerId = this.transactions.execute((status) -> {
			UUID id = UUID.randomUUID();
			if (!this.messages.insertAnswer(id, conversationId, chat.jobId(), content, ChatMessages.EMPTY_METADATA)) {
				// Another run of this job wrote it meanwhile.
				id = this.messages.answer(chat.jobId()).orElseThrow().id();
			}
			this.messages.questionStatus(question.id(), "answered");
			this.messages.touchConversation(conversationId);
			return id;
		});
		events.event("answer", answer(answerId, question, content));
	}

	private static Map<String, Object> answer(UUID messageId, ChatMessages.Question question, String content) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("messageId", messageId.toString());
		data.put("questionId", question.id().toString());
		data.put("conversationId", question.conversationId().toString());
		data.put("content", content);
		data.put("citations", List.of());
		return data;
	}

	private void markFailed(String jobId) {
		try {
			this.messages.failQuestion(jobId);
		}
		catch (RuntimeException ex) {
			log.warn("Job {}: could not mark its question failed: {}", jobId, ex.toString());
		}
	}

	private static UUID uuid(String value, String field, ChatJob chat) {
		try {
			return UUID.fromString(value);
		}
		catch (IllegalArgumentException ex) {
			throw new NonRetryableJobException("payload of job " + chat.jobId() + " has a malformed " + field);
		}
	}

}
