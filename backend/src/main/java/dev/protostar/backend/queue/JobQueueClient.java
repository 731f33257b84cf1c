package dev.protostar.backend.queue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Enqueues jobs and publishes events with the ai-worker's own Lua scripts
 * ({@code ai-worker/src/main/resources/queue/*.lua}, put on this module's
 * class path by backend/pom.xml), so producer and consumers run the very same
 * protocol code. See ai-worker/QUEUE.md.
 */
@Component
public class JobQueueClient {

	private final StringRedisTemplate redis;

	private final QueueProperties properties;

	private final JsonMapper json;

	private final RedisScript<Long> enqueue = RedisScript.of(new ClassPathResource("queue/enqueue.lua"), Long.class);

	private final RedisScript<String> publishEvent = RedisScript.of(new ClassPathResource("queue/publish-event.lua"),
			String.class);

	public JobQueueClient(StringRedisTemplate redis, QueueProperties properties, JsonMapper json) {
		this.redis = redis;
		this.properties = properties;
		this.json = json;
	}

	public QueueProperties properties() {
		return this.properties;
	}

	/**
	 * Adds a job unless one with this id exists (the id is the idempotency key).
	 * @param payload the payload object; serialised as JSON
	 * @return whether it was added (false: a job with this id is already known)
	 * @throws org.springframework.dao.DataAccessException when Redis cannot be reached
	 */
	public boolean enqueue(String jobId, String type, Map<String, ?> payload) {
		return enqueue(jobId, type, payload, this.properties.maxAttempts());
	}

	/**
	 * As {@link #enqueue(String, String, Map)}, with the job's own number of attempts
	 * (an ingestion may be retried more often than a chat answer a user waits for).
	 */
	public boolean enqueue(String jobId, String type, Map<String, ?> payload, int maxAttempts) {
		Long added = this.redis.execute(this.enqueue, List.of(), this.properties.prefix(), jobId, type,
				this.json.writeValueAsString(payload), Integer.toString(maxAttempts));
		return added != null && added == 1L;
	}

	/**
	 * The job's state as the queue knows it: {@code waiting}, {@code active},
	 * {@code delayed}, {@code completed}, {@code dead}, or null when the queue has
	 * no such job (never enqueued, purged, or completed more than a day ago).
	 * @throws org.springframework.dao.DataAccessException when Redis cannot be reached
	 */
	public String state(String jobId) {
		Object state = this.redis.opsForHash().get(this.properties.prefix() + "job:" + jobId, "state");
		return (state != null) ? state.toString() : null;
	}

	/**
	 * Appends an event to the user's stream and wakes the backend instances,
	 * exactly as a worker's JobEvents does.
	 * @param data event fields; {@code jobId} is added first
	 * @return the stream entry id (the SSE event id)
	 */
	public String publishEvent(String userId, String jobId, String event, Map<String, ?> data) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("jobId", jobId);
		body.putAll(data);
		return this.redis.execute(this.publishEvent, List.of(this.properties.streamKey(userId)),
				this.properties.channel(userId), Integer.toString(this.properties.eventsMaxLen()),
				Long.toString(this.properties.eventsTtl().toSeconds()), jobId, event,
				this.json.writeValueAsString(body));
	}

}
