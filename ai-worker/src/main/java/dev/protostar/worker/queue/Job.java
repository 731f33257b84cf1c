package dev.protostar.worker.queue;

/**
 * A job as a worker holds it after claiming it.
 *
 * @param id the job id, also the idempotency key
 * @param type the job type, which selects the handler
 * @param payload the payload as the producer wrote it (JSON, see QUEUE.md)
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

}
