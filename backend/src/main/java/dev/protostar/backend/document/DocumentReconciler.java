package dev.protostar.backend.document;

import java.time.Clock;
import java.time.Instant;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.protostar.backend.document.DocumentRepository.StalledIngestion;
import dev.protostar.backend.queue.JobQueueClient;
import dev.protostar.contract.queue.IngestionJobPayload;

/**
 * An uploaded document is never left waiting for a job that is gone: a document whose
 * ingestion has not moved for {@code protostar.documents.reconcile-after}, and whose job
 * the queue no longer has (Redis lost its last second of AOF, or its volume), is enqueued
 * again under the same job id, as the question reconciler does for questions.
 * <p>
 * Safe in both colours at once and beside a running ingestion: enqueue.lua adds a job
 * only when no job with its id exists (waiting, running, delayed, dead, or completed
 * within a day), atomically, so a long embedding's live job is left alone, and the
 * worker's ingestion is idempotent and resumable (IngestionJobHandler), so a document
 * whose job was lost mid-way ends with exactly its chunks.
 */
@Component
class DocumentReconciler {

	private static final Log logger = LogFactory.getLog(DocumentReconciler.class);

	/** The most documents one check looks at, oldest first. */
	private static final int BATCH = 500;

	private final DocumentRepository documents;

	private final JobQueueClient queue;

	private final DocumentProperties properties;

	private final Clock clock;

	private final Counter requeued;

	DocumentReconciler(DocumentRepository documents, JobQueueClient queue, DocumentProperties properties, Clock clock,
			MeterRegistry meters) {
		this.documents = documents;
		this.queue = queue;
		this.properties = properties;
		this.clock = clock;
		this.requeued = Counter.builder("protostar.documents.requeued")
			.description("Documents found in ingestion without a job and enqueued again")
			.register(meters);
	}

	@Scheduled(initialDelayString = "${protostar.documents.reconcile-interval:1m}",
			fixedDelayString = "${protostar.documents.reconcile-interval:1m}")
	void scheduled() {
		try {
			reconcile(this.clock.instant());
		}
		catch (RuntimeException ex) {
			// Redis or PostgreSQL away: the next run tries again.
			logger.warn("Could not reconcile documents in ingestion: " + ex);
		}
	}

	/**
	 * Enqueues again the job of each document in ingestion unchanged since before
	 * {@code now} minus {@code reconcile-after} that the queue does not know.
	 * @return how many were enqueued again
	 */
	int reconcile(Instant now) {
		int added = 0;
		for (StalledIngestion document : this.documents.stalledIngestions(now.minus(this.properties.reconcileAfter()),
				BATCH)) {
			String uploader = (document.uploadedBy() != null) ? document.uploadedBy().toString() : null;
			IngestionJobPayload payload = new IngestionJobPayload(document.jobId(), document.id().toString(), uploader,
					null);
			if (this.queue.enqueue(payload, this.properties.ingestionMaxAttempts())) {
				added++;
				this.requeued.increment();
				logger.warn("Document " + document.id() + " was " + document.status() + " since " + document.since()
						+ " without a job; job " + document.jobId() + " enqueued again");
			}
		}
		return added;
	}

}
