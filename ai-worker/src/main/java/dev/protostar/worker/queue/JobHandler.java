package dev.protostar.worker.queue;

/**
 * Runs the jobs of one type. Delivery is at least once: a job may run again after a
 * crash, a lost lease or a retry, so handlers must be idempotent (upserts keyed by the
 * job id or the document id).
 */
public interface JobHandler {

	/** The job type this handler runs, e.g. {@code chat}. */
	String type();

	/**
	 * Runs the job. Returning normally completes it. A {@link NonRetryableJobException}
	 * dead-letters it at once; any other exception retries it after a backoff until its
	 * attempts are used up. Handlers should react to interruption: it means the worker is
	 * shutting down and has handed the job back to the queue.
	 */
	void handle(Job job, JobContext context) throws Exception;

}
