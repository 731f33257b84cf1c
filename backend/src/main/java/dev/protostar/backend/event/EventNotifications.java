package dev.protostar.backend.event;

import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.stereotype.Component;

import dev.protostar.backend.queue.QueueClientProperties;
import dev.protostar.contract.queue.QueueKeys;

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
 * stream once. Lettuce reconnects and resubscribes by itself; the first
 * connection is retried in the background, so the backend starts (and serves
 * everything else) while Redis is away.
 * <p>
 * The same connection also subscribes to the channel on which any instance
 * announces that a user's streams must end (see StreamRevocations).
 */
@Component
class EventNotifications implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(EventNotifications.class);

	private static final long MAX_PAUSE_MILLIS = 5_000;

	private final LettuceConnectionFactory connections;

	private final QueueKeys keys;

	private final EventStreams streams;

	private volatile boolean running;

	private volatile StatefulRedisPubSubConnection<String, String> connection;

	private Thread connector;

	EventNotifications(LettuceConnectionFactory connections, QueueClientProperties queue, EventStreams streams) {
		this.connections = connections;
		this.keys = queue.keys();
		this.streams = streams;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.connector = Thread.ofVirtual().name("sse-subscribe").start(this::connect);
	}

	private void connect() {
		long pause = 100;
		while (this.running) {
			try {
				RedisClient client = (RedisClient) this.connections.getRequiredNativeClient();
				StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
				pubSub.addListener(new Listener());
				pubSub.sync().psubscribe(this.keys.userChannelPattern());
				pubSub.sync().subscribe(StreamRevocations.channel(this.keys));
				this.connection = pubSub;
				if (!this.running) {
					pubSub.close();
				}
				return;
			}
			catch (RuntimeException ex) {
				if (pause >= MAX_PAUSE_MILLIS / 2) {
					logger.warn("Cannot subscribe to event notifications yet (" + ex.getMessage() + "); retrying");
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
	}

	/** Whether the subscription is in place (for tests and health). */
	boolean subscribed() {
		StatefulRedisPubSubConnection<String, String> current = this.connection;
		return current != null && current.isOpen();
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		if (this.connector != null) {
			this.connector.interrupt();
		}
		StatefulRedisPubSubConnection<String, String> current = this.connection;
		if (current != null) {
			current.close();
			this.connection = null;
		}
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

	private final class Listener extends RedisPubSubAdapter<String, String> {

		@Override
		public void message(String pattern, String channel, String message) {
			String userId = EventNotifications.this.keys.userIdOfChannel(channel);
			if (userId != null) {
				EventNotifications.this.streams.notifyUser(userId);
			}
		}

		/** A user's access shrank, announced by any instance: "<user id> <reason>". */
		@Override
		public void message(String channel, String message) {
			int space = message.indexOf(' ');
			if (space > 0) {
				EventNotifications.this.streams.revoke(message.substring(0, space), message.substring(space + 1));
			}
		}

		/** Also called when Lettuce resubscribes after a reconnect. */
		@Override
		public void psubscribed(String pattern, long count) {
			EventNotifications.this.streams.notifyEveryone();
		}

	}

}
