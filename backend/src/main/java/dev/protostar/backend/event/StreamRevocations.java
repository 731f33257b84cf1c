package dev.protostar.backend.event;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

import dev.protostar.backend.queue.QueueClientProperties;
import dev.protostar.backend.security.AccessRevoked;
import dev.protostar.contract.queue.QueueKeys;

/**
 * Ends a user's event streams when the user's access shrinks (a demotion, a
 * revocation of sessions, a password change), on every instance: the streams
 * were authorised when they opened and would otherwise run on for up to their
 * 30 minutes. The streams of this instance end at once; the other instances
 * (the other colour) hear it on {@code protostar:events:close}, a channel
 * every instance subscribes to beside the users' notifications (see
 * EventNotifications), as {@code <user id> <reason>}.
 * <p>
 * A stream that opens while the change commits can slip through (its token
 * checked just before the commit, the stream registered just after the
 * message); it still ends at its maximum duration.
 */
@Component
class StreamRevocations {

	private static final Log logger = LogFactory.getLog(StreamRevocations.class);

	private final EventStreams streams;

	private final StringRedisTemplate redis;

	private final String channel;

	StreamRevocations(EventStreams streams, StringRedisTemplate redis, QueueClientProperties queue) {
		this.streams = streams;
		this.redis = redis;
		this.channel = channel(queue.keys());
	}

	static String channel(QueueKeys keys) {
		return keys.eventsPrefix() + "close";
	}

	/** After the change is committed: a change rolled back closes nothing. */
	@TransactionalEventListener(fallbackExecution = true)
	void accessRevoked(AccessRevoked revoked) {
		String userId = revoked.userId().toString();
		this.streams.revoke(userId, revoked.reason());
		try {
			this.redis.convertAndSend(this.channel, userId + " " + revoked.reason());
		}
		catch (DataAccessException ex) {
			logger.warn("Could not tell the other instances to end the streams of user " + userId
					+ "; they end within their maximum duration: " + ex.getMessage());
		}
	}

}
