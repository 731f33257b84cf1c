package dev.protostar.backend.event;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The SSE event streams ({@code GET /api/events}), under {@code protostar.events}.
 * How long events are kept for a reconnect is the queue's
 * {@code protostar.queue.events-ttl}.
 *
 * @param heartbeat how often an idle stream gets a comment line (env
 * {@code PROTOSTAR_EVENTS_HEARTBEAT}, default 15s): keeps nginx's
 * proxy_read_timeout and any other idle timeout on the way from firing, and
 * finds connections whose client went away
 * @param retry the reconnect delay suggested to clients ({@code retry:}) when a
 * stream opens (env {@code PROTOSTAR_EVENTS_RETRY}, default 3s)
 * @param maxStreamsPerUser streams one user may hold open on one instance (env
 * {@code PROTOSTAR_EVENTS_MAX_STREAMS_PER_USER}, default 5); more answer 429
 * {@code TOO_MANY_STREAMS}
 * @param maxStreamDuration how long a stream lives before it is ended with a
 * {@code reconnect} event (env {@code PROTOSTAR_EVENTS_MAX_STREAM_DURATION},
 * default 30m; each stream gets up to 10% less at random, so streams opened
 * together do not all reconnect together). The access token is checked when a
 * stream opens only, so this also bounds how long a stream outlives its token.
 * @param replayBatch events read from Redis per round trip (env
 * {@code PROTOSTAR_EVENTS_REPLAY_BATCH}, default 200)
 * @param reconnectSpread the largest {@code retry:} a stream gets when this
 * instance shuts down (env {@code PROTOSTAR_EVENTS_RECONNECT_SPREAD}, default
 * 2s); each stream gets a random delay up to it, so that thousands of clients
 * do not arrive at the other colour in the same millisecond
 */
@Validated
@ConfigurationProperties("protostar.events")
record EventStreamProperties(@DefaultValue("15s") Duration heartbeat, @DefaultValue("3s") Duration retry,
		@DefaultValue("5") @Min(1) @Max(1000) int maxStreamsPerUser, @DefaultValue("30m") Duration maxStreamDuration,
		@DefaultValue("200") @Min(1) @Max(10_000) int replayBatch, @DefaultValue("2s") Duration reconnectSpread) {

	EventStreamProperties {
		if (heartbeat.isNegative() || heartbeat.isZero()) {
			throw new IllegalArgumentException("protostar.events.heartbeat must be positive");
		}
		if (maxStreamDuration.compareTo(heartbeat) <= 0) {
			throw new IllegalArgumentException("protostar.events.max-stream-duration must be longer than the heartbeat");
		}
		if (retry.isNegative() || reconnectSpread.isNegative()) {
			throw new IllegalArgumentException("protostar.events.retry and reconnect-spread must not be negative");
		}
	}

}
