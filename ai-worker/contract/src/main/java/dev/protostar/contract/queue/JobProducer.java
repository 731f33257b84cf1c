package dev.protostar.contract.queue;

import java.util.List;

import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Puts jobs into the queue (enqueue.lua) and reads where they are: what the backend does
 * for every job, and a worker for the jobs it makes itself.
 */
public class JobProducer {

	private final StringRedisTemplate redis;

	private final QueueKeys keys;

	public JobProducer(StringRedisTemplate redis, QueueKeys keys) {
		this.redis = redis;
		this.keys = keys;
	}

	/**
	 * Adds a job unless one with this id exists (waiting, running, delayed, dead, or
	 * completed within the retention window): the id is the idempotency key.
	 * @param payload the payload's JSON
	 * @return whether it was added (false: a job with this id is known already)
	 * @throws IllegalArgumentException when {@code jobId} is not a valid job id
	 * @throws org.springframework.dao.DataAccessException when Redis cannot be reached
	 */
	public boolean enqueue(String jobId, String type, String payload, int maxAttempts) {
		QueueKeys.requireJobId(jobId);
		Long added = this.redis.execute(QueueScripts.ENQUEUE, List.of(), this.keys.prefix(), jobId, type, payload,
				Integer.toString(maxAttempts));
		return added != null && added == 1L;
	}

	/**
	 * The job's state as the queue knows it: {@code waiting}, {@code active},
	 * {@code delayed}, {@code completed}, {@code dead}, or null when the queue has no such
	 * job (never enqueued, purged, or completed longer ago than the retention window).
	 * @throws org.springframework.dao.DataAccessException when Redis cannot be reached
	 */
	public String state(String jobId) {
		Object state = this.redis.opsForHash().get(this.keys.job(jobId), "state");
		return (state != null) ? state.toString() : null;
	}

}
