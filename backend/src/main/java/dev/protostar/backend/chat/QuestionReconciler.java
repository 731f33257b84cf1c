package dev.protostar.backend.chat;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.protostar.backend.chat.ChatRepository.PendingQuestion;
import dev.protostar.backend.queue.JobQueueClient;
import dev.protostar.backend.tier.TierProperties;
import dev.protostar.contract.queue.ChatJobPayload;

/**
 * Accepted questions are never lost: a question stored {@code pending} whose job the
 * queue no longer has (Redis lost its last second of AOF, or the backend stopped between
 * the commit and the enqueue) is enqueued again under the same job id.
 * <p>
 * Safe in both colours at once and across restarts: enqueue.lua adds a job only when
 * no job with its id exists (waiting, running, delayed, dead, or completed within a
 * day), atomically, so a question with a live job is left alone and two instances
 * reconciling the same question make one job. The job is built as ChatService builds
 * it, at the asker's current tier.
 */
@Component
class QuestionReconciler {

	private static final Log logger = LogFactory.getLog(QuestionReconciler.class);

	private final ChatRepository chats;

	private final JobQueueClient queue;

	private final TierProperties tiers;

	private final QuestionReconcilerProperties properties;

	private final Clock clock;

	private final Counter requeued;

	QuestionReconciler(ChatRepository chats, JobQueueClient queue, TierProperties tiers,
			QuestionReconcilerProperties properties, Clock clock, MeterRegistry meters) {
		this.chats = chats;
		this.queue = queue;
		this.tiers = tiers;
		this.properties = properties;
		this.clock = clock;
		this.requeued = Counter.builder("protostar.questions.requeued")
			.description("Pending questions found without a job and enqueued again")
			.register(meters);
	}

	@Scheduled(initialDelayString = "${protostar.questions.reconcile-interval:1m}",
			fixedDelayString = "${protostar.questions.reconcile-interval:1m}")
	void scheduled() {
		try {
			reconcile(this.clock.instant());
		}
		catch (RuntimeException ex) {
			// Redis or PostgreSQL away: the next run tries again.
			logger.warn("Could not reconcile pending questions: " + ex);
		}
	}

	/**
	 * Enqueues again each question pending since before {@code now} minus
	 * {@code reconcile-after} that has no job.
	 * @return how many were enqueued again
	 */
	int reconcile(Instant now) {
		List<PendingQuestion> pending = this.chats.pendingQuestions(now.minus(this.properties.reconcileAfter()),
				this.properties.batchSize());
		int added = 0;
		for (PendingQuestion question : pending) {
			ChatJobPayload payload = new ChatJobPayload(question.jobId(), question.userId().toString(),
					question.tier().name(), this.tiers.limitsOf(question.tier()).documentAccess(),
					question.conversationId().toString(), question.content(), null);
			if (this.queue.enqueue(payload)) {
				added++;
				this.requeued.increment();
				logger.warn("Question " + question.id() + " was pending since " + question.createdAt()
						+ " without a job; job " + question.jobId() + " enqueued again");
			}
		}
		return added;
	}

}
