package dev.protostar.backend.event;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.stereotype.Component;

import dev.protostar.backend.queue.QueueClientProperties;
import dev.protostar.contract.queue.QueueKeys;
import dev.protostar.contract.redis.BlockingRedis;

/**
 * How this instance learns that a user has new events: one pattern
 * subscription ({@code PSUBSCRIBE protostar:events:notify:user:*}) on one
 * Redis connection for the whole instance, whatever the number of streams.
 * <p>
 * Chosen over one SUBSCRIBE per connected user (which QUEUE.md sketches)
 * because it needs no bookkeeping as 15,000 clients come and go, and has no
 * window in which a user's first events arrive before the subscription is in
 * place. The cost: each instance hears about every user's events, including
 * users connected to the other colour, one small message (the entry id) per
 * event per instance, which a map lookup discards.
 * <p>
 * The message only says "look"; the events themselves are read from the
 * user's Redis stream (see EventStreams), so a notification missed while the
 * subscription was down loses nothing: every (re)subscription wakes every
 * stream once.
 * <p>
 * A Jedis subscription holds its connection and a thread for as long as it
 * lasts, so it runs on a platform thread of its own, on a connection of its
 * own ({@link BlockingRedis}), never one of the pool the requests and event
 * reads share. When Redis goes away (a restart) the subscription ends with an
 * error and this thread subscribes again, pausing longer each time (up to 5
 * s); the first subscription is made the same way, so the backend starts
 * (and serves everything else) while Redis is away.
 * <p>
 * The same connection also subscribes to the channel on which any instance
 * announces that a user's streams must end (see StreamRevocations), once the
 * pattern is in place. A plain SUBSCRIBE, not a second pattern: Redis's ACL
 * matches a PSUBSCRIBE pattern literally against the user's channel rules, and
 * the backend's user may subscribe to any protostar:* channel but psubscribe
 * only to the users' pattern (scripts/lib/roles.sh).
 */
@Component
class EventNotifications implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(EventNotifications.class);

	private static final long MAX_PAUSE_MILLIS = 5_000;

	/** For the connection's handshake only: Jedis waits for a subscription's messages without a timeout. */
	private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

	private final RedisConnectionFactory connections;

	private final EventStreams streams;

	private final QueueKeys keys;

	private final String userPattern;

	private final String revocations;

	private volatile boolean running;

	private volatile boolean subscribed;

	private volatile RedisConnection connection;

	private BlockingRedis blocking;

	private Thread subscriber;

	EventNotifications(RedisConnectionFactory connections, QueueClientProperties queue, EventStreams streams) {
		this.connections = connections;
		this.streams = streams;
		QueueKeys keys = queue.keys();
		this.userPattern = keys.userChannelPattern();
		this.revocations = StreamRevocations.channel(keys);
		this.keys = keys;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.blocking = new BlockingRedis(this.connections, 1, HANDSHAKE_TIMEOUT);
		this.subscriber = Thread.ofPlatform().name("sse-subscribe").daemon().start(this::subscribeLoop);
	}

	private void subscribeLoop() {
		long pause = 100;
		Listener listener = new Listener();
		while (this.running) {
			try (RedisConnection subscription = this.blocking.connection()) {
				this.connection = subscription;
				// Blocks until the subscription ends: stop(), or an error.
				subscription.pSubscribe(listener, bytes(this.userPattern));
			}
			catch (RuntimeException ex) {
				if (this.running && pause >= MAX_PAUSE_MILLIS / 2) {
					logger.warn("Cannot subscribe to event notifications (" + ex.getMessage() + "); retrying");
				}
			}
			finally {
				this.connection = null;
			}
			if (listener.established) {
				listener.established = false;
				pause = 100;
			}
			this.subscribed = false;
			if (!this.running) {
				return;
			}
			try {
				Thread.sleep(pause);
			}
			catch (InterruptedException interrupted) {
				return;
			}
			pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
		}
	}

	/** Whether the subscription is in place (for tests and health). */
	boolean subscribed() {
		return this.subscribed;
	}

	@Override
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		RedisConnection current = this.connection;
		if (current != null) {
			try {
				current.close(); // unsubscribes: the subscriber's pSubscribe returns
			}
			catch (RuntimeException ex) {
				// Redis is away: the subscription has ended (or is ending) with an error.
			}
		}
		this.subscriber.interrupt();
		try {
			this.subscriber.join(2_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.blocking.close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Starts after EventStreams and stops before it (and before the Redis connection factory). */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 256;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private final class Listener implements MessageListener, SubscriptionListener {

		/** Set once a subscription is in place; read and reset by the subscriber thread. */
		volatile boolean established;

		@Override
		public void onMessage(Message message, byte[] pattern) {
			String channel = new String(message.getChannel(), StandardCharsets.UTF_8);
			if (channel.equals(EventNotifications.this.revocations)) {
				// A user's access shrank, announced by any instance: "<user id> <reason>".
				String body = new String(message.getBody(), StandardCharsets.UTF_8);
				int space = body.indexOf(' ');
				if (space > 0) {
					EventNotifications.this.streams.revoke(body.substring(0, space), body.substring(space + 1));
				}
				return;
			}
			String userId = EventNotifications.this.keys.userIdOfChannel(channel);
			if (userId != null) {
				EventNotifications.this.streams.notifyUser(userId);
			}
		}

		/** Also after every resubscription: whatever was published meanwhile is read now. */
		@Override
		public void onPatternSubscribed(byte[] pattern, long count) {
			if (new String(pattern, StandardCharsets.UTF_8).equals(EventNotifications.this.userPattern)) {
				RedisConnection current = EventNotifications.this.connection;
				if (current != null && current.getSubscription() != null) {
					current.getSubscription().subscribe(bytes(EventNotifications.this.revocations));
				}
				this.established = true;
				EventNotifications.this.subscribed = true;
				EventNotifications.this.streams.notifyEveryone();
			}
		}

	}

}
