package dev.protostar.worker.queue;

import java.time.Duration;
import java.util.List;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import dev.protostar.contract.queue.QueueKeys;

/**
 * The job queue's settings; the wire protocol is in ai-worker/QUEUE.md.
 *
 * @param enabled whether this process consumes jobs at all (off: no worker, no queue beans)
 * @param prefix prefix of every queue key in Redis; producer and workers must agree
 * @param eventsPrefix prefix of the per-user event streams and notification channels
 * @param types job types this worker claims, in priority order: every waiting job of
 * the first type is taken before any of the second (chat answers users who wait,
 * ingestion does not)
 * @param concurrency jobs this worker runs at once (one thread each)
 * @param lease how long a claimed job stays with this worker without a heartbeat; after
 * that any worker takes it over, so it bounds how long a crashed worker's jobs wait
 * @param heartbeat how often the leases of running jobs are renewed; well below
 * {@code lease}, so a slow but live job is never taken over
 * @param maxAttempts attempts of a job enqueued by this process (the backend sets its
 * own per job)
 * @param backoffBase delay before the first retry; doubles with each attempt
 * @param backoffMax upper bound of the retry delay
 * @param backoffJitter share of the delay that is random (0: none, 1: anywhere from
 * zero to the full delay), so jobs failing together do not retry together
 * @param shutdownTimeout how long a stopping worker lets running jobs finish before it
 * hands them back to the queue; below Spring's shutdown phase timeout and the
 * container's stop grace period
 * @param pollInterval longest wait for new work before the worker looks again; also
 * how often delayed jobs are promoted and expired leases recovered
 * @param completedRetention how long a completed job's id is remembered, i.e. the
 * deduplication window after completion
 * @param eventsMaxLen approximate number of events kept per user stream
 * @param eventsTtl how long a user's event stream outlives its last event (the window
 * for an SSE reconnect with Last-Event-ID)
 * @param workerId this worker's name in job hashes and logs; default: host name and pid
 */
@Validated
@ConfigurationProperties("protostar.queue")
public record QueueProperties(
		@DefaultValue("true") boolean enabled,
		@DefaultValue("protostar:jobs:") @NotBlank String prefix,
		@DefaultValue("protostar:events:") @NotBlank String eventsPrefix,
		@DefaultValue({ "chat", "ingestion" }) @NotEmpty List<String> types,
		@DefaultValue("4") @Min(1) @Max(256) int concurrency,
		@DefaultValue("30s") Duration lease,
		@DefaultValue("10s") Duration heartbeat,
		@DefaultValue("5") @Min(1) int maxAttempts,
		@DefaultValue("1s") Duration backoffBase,
		@DefaultValue("5m") Duration backoffMax,
		@DefaultValue("0.5") @DecimalMin("0") @DecimalMax("1") double backoffJitter,
		@DefaultValue("45s") Duration shutdownTimeout,
		@DefaultValue("1s") Duration pollInterval,
		@DefaultValue("24h") Duration completedRetention,
		@DefaultValue("1000") @Min(1) int eventsMaxLen,
		@DefaultValue("5m") Duration eventsTtl,
		String workerId) {

	public QueueProperties {
		if (workerId == null || workerId.isBlank()) {
			workerId = defaultWorkerId();
		}
		if (heartbeat.compareTo(lease) >= 0) {
			throw new IllegalArgumentException("protostar.queue.heartbeat (" + heartbeat
					+ ") must be shorter than protostar.queue.lease (" + lease + ")");
		}
	}

	/** The names of the queue's keys under these prefixes. */
	public QueueKeys keys() {
		return new QueueKeys(this.prefix, this.eventsPrefix);
	}

	private static String defaultWorkerId() {
		String host = System.getenv("HOSTNAME");
		if (host == null || host.isBlank()) {
			try {
				host = java.net.InetAddress.getLocalHost().getHostName();
			}
			catch (java.net.UnknownHostException ex) {
				host = "worker";
			}
		}
		return host + "-" + ProcessHandle.current().pid();
	}

}
