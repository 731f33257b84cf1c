package dev.protostar.contract.queue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.crypto.EncryptedFields;

/**
 * Publishes job events for the browser: XADD to the user's stream (the entry id is the
 * SSE event id, so a reconnect with Last-Event-ID replays from the stream on any backend
 * instance) and PUBLISH of that id on the user's channel (so the instance holding the
 * SSE connection wakes up), in one script. The worker publishes a job's progress and
 * outcome, the backend what happens before a job runs ({@code accepted}). See
 * ai-worker/QUEUE.md, "Events".
 * <p>
 * An event's data is encrypted when a data key is active ({@link DataCipher#encryptJson},
 * field {@link EncryptedFields#EVENT_DATA}): the stream keeps an answer's every token
 * until it expires, so without that Redis (and its snapshots) would hold the answers in
 * clear. The event's name and job id stay readable: they say nothing of the content.
 */
public class JobEvents {

	private final StringRedisTemplate redis;

	private final QueueKeys keys;

	private final int maxLen;

	private final Duration ttl;

	private final DataCipher cipher;

	/**
	 * @param maxLen approximate number of events kept per user stream
	 * @param ttl how long a user's stream outlives its last event
	 * @param cipher what the events' data is written with
	 */
	public JobEvents(StringRedisTemplate redis, QueueKeys keys, int maxLen, Duration ttl, DataCipher cipher) {
		this.redis = redis;
		this.keys = keys;
		this.maxLen = maxLen;
		this.ttl = ttl;
		this.cipher = cipher;
	}

	/**
	 * @param event the SSE event name: accepted, progress, token, completed, retrying,
	 * failed, ...
	 * @param data event fields; {@code jobId} is added first
	 * @return the stream entry id (the SSE event id)
	 * @throws IllegalArgumentException when {@code userId} cannot be part of a key
	 */
	public String publish(String userId, String jobId, String event, Map<String, ?> data) {
		Addressed addressed = address(userId, jobId, data);
		return this.redis.execute(QueueScripts.PUBLISH_EVENT, List.of(addressed.stream()), addressed.channel(),
				Integer.toString(this.maxLen), Long.toString(this.ttl.toSeconds()), jobId, event, addressed.data());
	}

	/**
	 * An event ready for a script that appends it itself, in the same step as a state
	 * change (complete.lua appends the {@code completed} event), with the same stream
	 * length and lifetime as {@link #publish}.
	 * @param stream the user's stream key
	 * @param channel the user's notification channel
	 * @param data the event's data as publish writes it (encrypted when a key is active)
	 */
	public record Addressed(String stream, String channel, String data) {
	}

	/**
	 * @throws IllegalArgumentException when {@code userId} cannot be part of a key
	 */
	public Addressed address(String userId, String jobId, Map<String, ?> data) {
		if (!QueueKeys.isId(userId)) {
			throw new IllegalArgumentException("malformed userId for an event key");
		}
		return new Addressed(this.keys.userStream(userId), this.keys.userChannel(userId),
				this.cipher.encryptJson(body(jobId, data), EncryptedFields.EVENT_DATA));
	}

	/** An event's {@code data}: a JSON object of {@code jobId} and then the event's fields. */
	static String body(String jobId, Map<String, ?> data) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("jobId", jobId);
		body.putAll(data);
		return JobPayloads.JSON.writeValueAsString(body);
	}

}
