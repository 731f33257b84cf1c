package dev.protostar.contract.queue;

import java.util.regex.Pattern;

/**
 * The names of the queue's Redis keys and channels (ai-worker/QUEUE.md, "Keys"), for
 * the Java side of both applications; the Lua scripts build the same names from the
 * prefix they are given.
 *
 * @param prefix prefix of every queue key, e.g. {@code protostar:jobs:}
 * @param eventsPrefix prefix of the per-user event streams and channels, e.g.
 * {@code protostar:events:}
 */
public record QueueKeys(String prefix, String eventsPrefix) {

	/** Job ids, and user ids in event keys: what enqueue.lua accepts. */
	public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

	private static final String USER_STREAM = "user:";

	private static final String USER_CHANNEL = "notify:user:";

	public QueueKeys {
		if (prefix == null || prefix.isBlank() || eventsPrefix == null || eventsPrefix.isBlank()) {
			throw new IllegalArgumentException("queue key prefixes must not be blank");
		}
	}

	/** Whether {@code id} may name a job, or a user in an event key. */
	public static boolean isId(String id) {
		return id != null && ID.matcher(id).matches();
	}

	/** @throws IllegalArgumentException when {@code id} cannot name a job */
	public static void requireJobId(String id) {
		if (!isId(id)) {
			throw new IllegalArgumentException("invalid job id '" + id
					+ "': want 1-128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit");
		}
	}

	/** A queue key by its name after the prefix, e.g. {@code key("dead")}. */
	public String key(String suffix) {
		return this.prefix + suffix;
	}

	/** The hash holding a job ({@code state}, {@code payload}, {@code attempts}, ...). */
	public String job(String jobId) {
		return key("job:" + jobId);
	}

	/** The list idle workers block on; every enqueue pushes a token. */
	public String wake() {
		return key("wake");
	}

	/** The stream holding a user's events (one entry per event; the entry id is the SSE id). */
	public String userStream(String userId) {
		return this.eventsPrefix + USER_STREAM + userId;
	}

	/** The channel announcing a user's new events; its message is the new entry id. */
	public String userChannel(String userId) {
		return this.eventsPrefix + USER_CHANNEL + userId;
	}

	/** The pattern matching every user's channel: what each backend instance subscribes to. */
	public String userChannelPattern() {
		return this.eventsPrefix + USER_CHANNEL + "*";
	}

	/** The user id of a channel matched by {@link #userChannelPattern()}, or null. */
	public String userIdOfChannel(String channel) {
		String start = this.eventsPrefix + USER_CHANNEL;
		return channel.startsWith(start) ? channel.substring(start.length()) : null;
	}

}
