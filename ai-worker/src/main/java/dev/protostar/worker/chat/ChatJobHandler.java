package dev.protostar.worker.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;
import dev.protostar.contract.queue.ChatJobPayload;
import dev.protostar.worker.answer.Answer;
import dev.protostar.worker.answer.AnswerException;
import dev.protostar.worker.answer.AnswerProperties;
import dev.protostar.worker.answer.AnswerRequest;
import dev.protostar.worker.answer.AnswerService;
import dev.protostar.worker.answer.Citation;
import dev.protostar.worker.queue.Job;
import dev.protostar.worker.queue.JobContext;
import dev.protostar.worker.queue.JobHandler;
import dev.protostar.worker.queue.NonRetryableJobException;
import dev.protostar.worker.queue.PublicFailure;
import dev.protostar.worker.retrieval.Passage;
import dev.protostar.worker.retrieval.Retriever;

/**
 * Answers {@code chat} jobs: retrieves the passages the asker's
 * {@code documentAccess} may see, has the {@link AnswerService} answer from them, and
 * stores the answer with its citations. Events, in order: {@code token} for each piece
 * of the answer ({@code {"text": "…"}}), then {@code answer} with the stored message
 * ({@code {"messageId", "questionId", "conversationId", "content", "citations",
 * "provider", "degraded"}}); the worker itself follows with {@code completed}. When a
 * remote provider fails after it streamed tokens and the offline answer stands in, a
 * {@code reset} ({@code {"resultCode", "message"}}) comes before its tokens: the client
 * drops what it showed. The tokens of the attempt that stored the answer spell its
 * {@code content}.
 * <p>
 * The answer's metadata (stored, and returned by the backend with the message):
 * {@code {"citations": [{"n", "documentId", "title", "chunkIndex", "quote"}],
 * "provider", "model", "degraded"}}, plus {@code "resultCode"} when degraded.
 * <p>
 * Idempotent, since a job can run more than once (a retry, a lease taken
 * over): a job that already has its answer row writes nothing and sends that
 * answer again; the insert itself cannot happen twice (unique index on
 * job_id and role).
 * <p>
 * The backend commits the question before it enqueues the job, so the
 * question is there when the job is. A job without one (the backend took the
 * question back when the enqueue seemed to fail, or a hand-made job) is a
 * retryable failure, dead-lettered once its attempts are used up; a question whose job gives up for good is marked {@code failed}, with the
 * failure's {@code resultCode} and {@code message} in its metadata.
 * <p>
 * A user may delete a conversation while one of its questions is being
 * answered (its messages go with it). The job then ends quietly, without an
 * answer and without a retry: before answering when the conversation is
 * already gone, or when the answer's insert finds it gone.
 * <p>
 * The question in the payload is encrypted when the backend has a data key
 * active ({@code chat-job.message}, see the contract's DataCipher), and plain
 * text otherwise (or from a backend of an earlier release): either is read.
 */
@Component
class ChatJobHandler implements JobHandler {

	private static final Logger log = LoggerFactory.getLogger(ChatJobHandler.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** Stands in until a retrieval implementation is in the application context. */
	private static final Retriever NO_RETRIEVER = (question, access, limit) -> List.of();

	private final ChatMessages messages;

	private final TransactionTemplate transactions;

	private final Retriever retriever;

	private final AnswerService answers;

	private final DataCipher cipher;

	private final int passages;

	private final int history;

	@Autowired
	ChatJobHandler(ChatMessages messages, TransactionTemplate transactions, ObjectProvider<Retriever> retriever,
			AnswerService answers, DataCipher cipher, AnswerProperties properties) {
		this(messages, transactions, retriever.getIfAvailable(() -> {
			log.warn("No retriever in this worker: answers cite no passages");
			return NO_RETRIEVER;
		}), answers, cipher, properties.passages(), properties.history());
	}

	ChatJobHandler(ChatMessages messages, TransactionTemplate transactions, Retriever retriever, AnswerService answers,
			DataCipher cipher, int passages, int history) {
		this.messages = messages;
		this.transactions = transactions;
		this.retriever = retriever;
		this.answers = answers;
		this.cipher = cipher;
		this.passages = passages;
		this.history = history;
	}

	/** Where a handler's events go: the job's context in production, a list in tests. */
	interface Events {

		void event(String name, Map<String, ?> data);

	}

	@Override
	public String type() {
		return ChatJobPayload.TYPE;
	}

	@Override
	public void handle(Job job, JobContext context) throws Exception {
		handle(job, context::event);
	}

	void handle(Job job, Events events) throws Exception {
		try {
			ChatJobPayload chat = job.chatPayload();
			try {
				answer(chat, job.lastAttempt(), events);
			}
			catch (AnswerException ex) {
				if (!ex.retryable()) {
					throw new NonRetryableJobException(ex.getMessage(), ex);
				}
				throw ex;
			}
		}
		catch (Exception ex) {
			if (ex instanceof NonRetryableJobException || job.lastAttempt()) {
				markFailed(job.id(), ex);
			}
			throw ex;
		}
	}

	void answer(ChatJobPayload chat, boolean lastAttempt, Events events) {
		UUID userId = uuid(chat.userId(), "userId", chat);
		UUID conversationId = uuid(chat.conversationId(), "conversationId", chat);
		var stored = this.messages.question(chat.jobId());
		if (stored.isEmpty() && !this.messages.conversationExists(conversationId)) {
			log.info("Job {}: its conversation was deleted; nothing to answer", chat.jobId());
			return;
		}
		ChatMessages.Question question = stored
			.orElseThrow(() -> new IllegalStateException("no question is stored for job " + chat.jobId()
					+ ": the backend took it back, or the job was not made by the backend"));
		if (!question.userId().equals(userId) || !question.conversationId().equals(conversationId)) {
			throw new NonRetryableJobException("job " + chat.jobId() + " names another user or conversation than"
					+ " its stored question");
		}
		var existing = this.messages.answer(chat.jobId());
		if (existing.isPresent()) {
			log.info("Job {} was answered before (message {}); sending that answer again", chat.jobId(),
					existing.get().id());
			events.event("answer", stored(existing.get(), question));
			return;
		}
		String asked = this.cipher.decrypt(chat.message(), EncryptedFields.CHAT_JOB_MESSAGE);
		List<Passage> found = this.retriever.retrieve(asked, chat.documentAccess(), this.passages);
		List<AnswerRequest.Turn> earlier = this.messages.before(conversationId, question.id(), this.history)
			.stream()
			.map((message) -> new AnswerRequest.Turn(message.fromUser(), message.content()))
			.toList();
		Answer answer = this.answers.answer(new AnswerRequest(asked, found, earlier), lastAttempt,
				new AnswerService.Stream() {

					@Override
					public void token(String text) {
						events.event("token", Map.of("text", text));
					}

					@Override
					public void reset(String resultCode, String message) {
						events.event("reset", Map.of("resultCode", resultCode, "message", message));
					}

				});
		Map<String, Object> metadata = metadata(answer);
		ChatMessages.Answer written;
		try {
			written = store(chat, conversationId, question, answer, metadata);
		}
		catch (DataIntegrityViolationException ex) {
			if (this.messages.conversationExists(conversationId)) {
				throw ex;
			}
			// Deleted while the answer was being written: the user wants neither.
			log.info("Job {}: its conversation was deleted while answering; the answer is dropped", chat.jobId());
			return;
		}
		events.event("answer", stored(written, question));
	}

	private ChatMessages.Answer store(ChatJobPayload chat, UUID conversationId, ChatMessages.Question question,
			Answer answer, Map<String, Object> metadata) {
		return this.transactions.execute((status) -> {
			UUID id = UUID.randomUUID();
			ChatMessages.Answer mine = new ChatMessages.Answer(id, answer.text(), JSON.writeValueAsString(metadata));
			if (!this.messages.insertAnswer(id, conversationId, chat.jobId(), mine.content(), mine.metadata())) {
				// Another run of this job wrote its answer meanwhile: that one stands.
				return this.messages.answer(chat.jobId()).orElseThrow();
			}
			this.messages.questionStatus(question.id(), "answered");
			this.messages.touchConversation(conversationId);
			return mine;
		});
	}

	private static Map<String, Object> metadata(Answer answer) {
		Map<String, Object> metadata = new LinkedHashMap<>();
		metadata.put("citations", answer.citations().stream().map(Citation::toMap).toList());
		metadata.put("provider", answer.provider());
		if (answer.model() != null) {
			metadata.put("model", answer.model());
		}
		metadata.put("degraded", answer.degraded());
		if (answer.resultCode() != null) {
			metadata.put("resultCode", answer.resultCode());
		}
		return metadata;
	}

	/** The {@code answer} event of a stored answer: its content and what its metadata says. */
	private static Map<String, Object> stored(ChatMessages.Answer answer, ChatMessages.Question question) {
		JsonNode metadata;
		try {
			metadata = JSON.readTree(answer.metadata());
		}
		catch (JacksonException ex) {
			metadata = JSON.createObjectNode();
		}
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("messageId", answer.id().toString());
		data.put("questionId", question.id().toString());
		data.put("conversationId", question.conversationId().toString());
		data.put("content", answer.content());
		data.put("citations",
				metadata.path("citations").isArray() ? JSON.convertValue(metadata.get("citations"), List.class) : List.of());
		data.put("provider", metadata.path("provider").asString("offline"));
		data.put("degraded", metadata.path("degraded").asBoolean(false));
		return data;
	}

	private void markFailed(String jobId, Exception failure) {
		PublicFailure reported = PublicFailure.of(failure);
		try {
			this.messages.failQuestion(jobId, JSON.writeValueAsString(
					Map.of("resultCode", reported.resultCode(), "message", reported.publicMessage())));
		}
		catch (RuntimeException ex) {
			log.warn("Job {}: could not mark its question failed: {}", jobId, ex.toString());
		}
	}

	private static UUID uuid(String value, String field, ChatJobPayload chat) {
		try {
			return UUID.fromString(value);
		}
		catch (IllegalArgumentException ex) {
			throw new NonRetryableJobException("payload of job " + chat.jobId() + " has a malformed " + field);
		}
	}

}
