package dev.protostar.worker.queue;

import dev.protostar.contract.queue.ChatJobPayload;
import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.InvalidPayloadException;
import dev.protostar.contract.queue.JobPayloads;

/**
 * A job as a worker holds it after claiming it.
 *
 * @param id the job id, also the idempotency key
 * @param type the job type, which selects the handler
 * @param payload the payload as the producer wrote it (JSON, see QUEUE.md and
 * {@link JobPayloads})
 * @param attempt this attempt's number, from 1
 * @param maxAttempts attempts allowed before the job is dead-lettered
 * @param lease the lease token this claim holds; a worker whose lease was taken over
 * cannot complete or fail the job any more
 * @param enqueuedAt when the job last became waiting (Redis clock, epoch ms)
 * @param claimedAt when this attempt was claimed (Redis clock, epoch ms)
 */
public record Job(String id, String type, String payload, int attempt, int maxAttempts, String lease,
		long enqueuedAt, long claimedAt) {

	public boolean lastAttempt() {
		return this.attempt >= this.maxAttempts;
	}

	/**
	 * The payload of a {@code chat} job.
	 * @throws NonRetryableJobException when it cannot be read (see {@link JobPayloads})
	 */
	public ChatJobPayload chatPayload() {
		try {
			return JobPayloads.readChat(this.id, this.payload);
		}
		catch (InvalidPayloadException ex) {
			throw new NonRetryableJobException(ex.getMessage(), ex);
		}
	}

	/**
	 * The payload of an {@code ingestion} job.
	 * @throws NonRetryableJobException when it cannot be read (see {@link JobPayloads})
	 */
	public IngestionJobPayload ingestionPayload() {
		try {
			return JobPayloads.readIngestion(this.id, this.payload);
		}
		catch (InvalidPayloadException ex) {
			throw new NonRetryableJobException(ex.getMessage(), ex);
		}
	}

	/** The user to send this job's events to, or null when the payload names none. */
	String userIdOrNull() {
		return JobPayloads.userIdOrNull(this.id, this.payload);
	}

	/** The id of the request that enqueued this job, for the logs, or null (see {@link JobPayloads}). */
	String traceIdOrNull() {
		return JobPayloads.traceIdOrNull(this.id, this.payload);
	}

}
