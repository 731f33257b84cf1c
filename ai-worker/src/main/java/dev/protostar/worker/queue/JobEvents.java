package dev.protostar.worker.queue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Publishes job events for the browser: XADD to the user's stream (the entry id is the
 * SSE event id, so a reconnect with Last-Event-ID replays from the stream on any backend
 * instance) and PUBLISH of that id on the user's channel (so the instance holding the
 * SSE connection wakes up), in one script. See QUEUE.md, "Events".
 */
public class JobEvents {

	private final StringRedisTemplate redis;

	private final QueueProperties properties;

	private final RedisScript<String> publish = RedisScript.of(new ClassPathResource("queue/publish-event.lua"),
			String.class);

	public JobEvents(StringRedisTemplate redis, QueueProperties properties) {
		this.redis = redis;
		this.properties = properties;
	}

	/** The stream a user's events go to. */
	public String streamKey(String userId) {
		return this.properties.eventsPrefix() + "user:" + userId;
	}

	/** The channel that announces a user's new events (the message is the entry id). */
	public String channel(String userId) {
		return this.properties.eventsPrefix() + "notify:user:" + userId;
	}

	/**
	 * @param event the SSE event name: progress, token, completed, retrying, failed, ...
	 * @param data event fields; {@code jobId} is added
	 * @return the stream entry id
	 */
	public String publish(String userId, String jobId, String event, Map<String, ?> data) {
		if (!JobQueue.ID.matcher(userId).matches()) {
			throw new IllegalArgumentException("malformed userId for an event key");
		}
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("jobId", jobId);
		body.putAll(data);
		return this.redis.execute(this.publish, List.of(streamKey(userId)), channel(userId),
				Integer.toString(this.properties.eventsMaxLen()), Long.toString(this.properties.eventsTtl().toSeconds()),
				jobId, event, JobPayloads.JSON.writeValueAsString(body));
	}

}
