package dev.protostar.worker.queue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue's metrics. Gauges describe the whole queue (every worker reports the same
 * values, read from Redis at most once per second, at scrape time); counters and the
 * timer count what this worker did.
 *
 * <pre>
 * protostar_queue_waiting{type}                       jobs waiting
 * protostar_queue_oldest_waiting_age_seconds{type}    age of the next job to be claimed (0: none)
 * protostar_queue_active / _delayed / _dead           jobs running, waiting for a retry, dead-lettered
 * protostar_queue_jobs_completed_total{type}
 * protostar_queue_jobs_retried_total{type}
 * protostar_queue_jobs_dead_lettered_total{type,reason}   reason: non-retryable | exhausted
 * protostar_queue_jobs_recovered_total                jobs taken over from a worker whose lease expired
 * protostar_queue_job_duration_seconds{type,outcome}  handler time; outcome: completed | retried | dead | lost
 * </pre>
 */
public class QueueMetrics {

	private static final Logger log = LoggerFactory.getLogger(QueueMetrics.class);

	private static final long REFRESH_MS = 1000;

	private final MeterRegistry registry;

	private final JobQueue queue;

	private volatile QueueStats snapshot;

	private volatile long snapshotAt;

	public QueueMetrics(MeterRegistry registry, JobQueue queue, List<String> types) {
		this.registry = registry;
		this.queue = queue;
		for (String type : types) {
			gauge("protostar.queue.waiting", "Jobs waiting", type, (stats) -> stats.waiting(type));
			Gauge.builder("protostar.queue.oldest.waiting.age", this,
					(m) -> m.read((stats) -> Math.max(stats.oldestAgeMs(type), 0) / 1000.0))
				.description("Age of the oldest waiting job (0 when none waits)")
				.baseUnit("seconds")
				.tag("type", type)
				.register(registry);
		}
		gauge("protostar.queue.active", "Jobs running (leased by a worker)", null, QueueStats::active);
		gauge("protostar.queue.delayed", "Jobs waiting for a retry", null, QueueStats::delayed);
		gauge("protostar.queue.dead", "Jobs in the dead-letter store", null, QueueStats::dead);
	}

	private void gauge(String name, String description, String type, ToDoubleFunction<QueueStats> value) {
		Gauge.Builder<QueueMetrics> builder = Gauge.builder(name, this, (m) -> m.read(value)).description(description);
		if (type != null) {
			builder.tag("type", type);
		}
		builder.register(this.registry);
	}

	private double read(ToDoubleFunction<QueueStats> value) {
		long now = System.currentTimeMillis();
		if (now - this.snapshotAt > REFRESH_MS) {
			try {
				this.snapshot = this.queue.stats();
			}
			catch (RuntimeException ex) {
				log.debug("queue stats unavailable: {}", ex.toString());
				this.snapshot = null;
			}
			this.snapshotAt = now;
		}
		QueueStats stats = this.snapshot;
		return (stats != null) ? value.applyAsDouble(stats) : Double.NaN;
	}

	void completed(String type) {
		counter("protostar.queue.jobs.completed", "type", type).increment();
	}

	void retried(String type) {
		counter("protostar.queue.jobs.retried", "type", type).increment();
	}

	void deadLettered(String type, boolean retryable) {
		counter("protostar.queue.jobs.dead.lettered", "type", type, "reason",
				retryable ? "exhausted" : "non-retryable")
			.increment();
	}

	void recovered(long count) {
		if (count > 0) {
			counter("protostar.queue.jobs.recovered").increment(count);
		}
	}

	void duration(String type, String outcome, long nanos) {
		Timer.builder("protostar.queue.job.duration")
			.description("Time a handler ran")
			.tags("type", type, "outcome", outcome)
			.register(this.registry)
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	private Counter counter(String name, String... tags) {
		return this.registry.counter(name, tags);
	}

}
