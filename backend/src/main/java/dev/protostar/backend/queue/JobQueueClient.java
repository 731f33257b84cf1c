package dev.protostar.backend.queue;

import java.util.Map;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;
import dev.protostar.contract.queue.ChatJobPayload;
import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.JobEvents;
import dev.protostar.contract.queue.JobPayloads;
import dev.protostar.contract.queue.JobProducer;

/**
 * Enqueues jobs and publishes events through the contract module's queue
 * classes and Lua scripts, the very ones the ai-worker runs. See
 * ai-worker/QUEUE.md.
 */
@Component
public class JobQueueClient {

	private final QueueClientProperties properties;

	private final JobProducer producer;

	private final JobEvents events;

	private final DataCipher cipher;

	public JobQueueClient(StringRedisTemplate redis, QueueClientProperties properties, DataCipher cipher) {
		this.properties = properties;
		this.cipher = cipher;
		this.producer = new JobProducer(redis, properties.keys());
		this.events = new JobEvents(redis, properties.keys(), properties.eventsMaxLen(), properties.eventsTtl(),
				cipher);
	}

	public QueueClientProperties properties() {
		return this.properties;
	}

	/**
	 * Adds a chat job unless one with its id exists (the id is the idempotency
	 * key), with {@code protostar.queue.max-attempts} attempts. The question
	 * travels encrypted when a data key is active (the payload keeps its shape:
	 * the worker decrypts a ciphertext and takes plain text as it is), so Redis
	 * and its snapshots hold no question either.
	 * @return whether it was added (false: a job with this id is already known)
	 * @throws org.springframework.dao.DataAccessException when Redis cannot be reached
	 */
	public boolean enqueue(ChatJobPayload job) {
		ChatJobPayload sealed = new ChatJobPayload(job.jobId(), job.userId(), job.role(), job.documentAccess(),
				job.conversationId(), this.cipher.encrypt(job.message(), EncryptedFields.CHAT_JOB_MESSAGE), job.traceId());
		return this.producer.enqueue(job.jobId(), ChatJobPayload.TYPE, JobPayloads.write(sealed),
				this.properties.maxAttempts());
	}

	/**
	 * As {@link #enqueue(ChatJobPayload)}, for an ingestion, with its own number of
	 * attempts (an ingestion may be retried more often than a chat answer a user
	 * waits for).
	 */
	public boolean enqueue(IngestionJobPayload job, int maxAttempts) {
		return this.producer.enqueue(job.jobId(), IngestionJobPayload.TYPE, JobPayloads.write(job), maxAttempts);
	}

	/**
	 * The job's state as the queue knows it: {@code waiting}, {@code active},
	 * {@code delayed}, {@code completed}, {@code dead}, or null when the queue has
	 * no such job (never enqueued, purged, or completed more than a day ago).
	 * @throws org.springframework.dao.DataAccessException when Redis cannot be reached
	 */
	public String state(String jobId) {
		return this.producer.state(jobId);
	}

	/**
	 * Appends an event to the user's stream and wakes the backend instances, as
	 * the worker does for its events.
	 * @param data event fields; {@code jobId} is added first
	 * @return the stream entry id (the SSE event id)
	 */
	public String publishEvent(String userId, String jobId, String event, Map<String, ?> data) {
		return this.events.publish(userId, jobId, event, data);
	}

}
