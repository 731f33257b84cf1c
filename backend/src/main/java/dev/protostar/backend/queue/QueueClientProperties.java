package dev.protostar.backend.queue;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import dev.protostar.contract.queue.QueueKeys;

/**
 * The backend's side of the job queue, the producer's, under
 * {@code protostar.queue}: the same names (and defaults) as the ai-worker's
 * QueueProperties, the consumer's, so that one environment variable (e.g.
 * {@code PROTOSTAR_QUEUE_EVENTS_TTL}) configures both alike. The protocol is
 * in ai-worker/QUEUE.md.
 *
 * @param prefix prefix of every queue key in Redis; producer and workers must agree
 * @param eventsPrefix prefix of the per-user event streams and notification channels
 * @param maxAttempts attempts a chat job gets before it is dead-lettered
 * @param eventsMaxLen approximate number of events kept per user stream
 * @param eventsTtl how long a user's event stream outlives its last event: the
 * window in which an SSE client can reconnect with Last-Event-ID and miss nothing
 */
@Validated
@ConfigurationProperties("protostar.queue")
public record QueueClientProperties(@DefaultValue("protostar:jobs:") @NotBlank String prefix,
		@DefaultValue("protostar:events:") @NotBlank String eventsPrefix, @DefaultValue("3") @Min(1) int maxAttempts,
		@DefaultValue("1000") @Min(1) int eventsMaxLen, @DefaultValue("5m") Duration eventsTtl) {

	/** The names of the queue's keys and channels under these prefixes. */
	public QueueKeys keys() {
		return new QueueKeys(this.prefix, this.eventsPrefix);
	}

}
