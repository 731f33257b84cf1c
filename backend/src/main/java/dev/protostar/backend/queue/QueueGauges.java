package dev.protostar.backend.queue;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.stereotype.Component;

import dev.protostar.backend.queue.QueueViews.QueueStats;

/**
 * The queue as the backend sees it, for Prometheus: the same names as the
 * ai-worker's gauges, so the alert on a job waiting too long still fires when
 * no worker runs (a stopped worker reports nothing). Read from Redis at most
 * once a second, at scrape time; NaN while Redis cannot be reached.
 *
 * <pre>
 * protostar_queue_waiting{type}                       jobs waiting
 * protostar_queue_oldest_waiting_age_seconds{type}    age of the oldest waiting job (0: none)
 * protostar_queue_dead                                jobs in the dead-letter store
 * </pre>
 */
@Component
class QueueGauges {

	private static final Log logger = LogFactory.getLog(QueueGauges.class);

	private static final long REFRESH_MS = 1000;

	private final QueueInspector inspector;

	private volatile QueueStats snapshot;

	private volatile long snapshotAt;

	QueueGauges(QueueInspector inspector, MeterRegistry registry) {
		this.inspector = inspector;
		for (String type : QueueInspector.TYPES) {
			Gauge.builder("protostar.queue.waiting", this, (g) -> g.read((s) -> s.byType().get(type).waiting()))
				.description("Jobs waiting")
				.tag("type", type)
				.register(registry);
			Gauge.builder("protostar.queue.oldest.waiting.age", this,
					(g) -> g.read((s) -> s.byType().get(type).oldestWaitingSeconds()))
				.description("Age of the oldest waiting job (0 when none waits)")
				.baseUnit("seconds")
				.tag("type", type)
				.register(registry);
		}
		Gauge.builder("protostar.queue.dead", this, (g) -> g.read(QueueStats::deadLetters))
			.description("Jobs in the dead-letter store")
			.register(registry);
	}

	private double read(ToDoubleFunction<QueueStats> value) {
		long now = System.currentTimeMillis();
		if (now - this.snapshotAt > REFRESH_MS) {
			try {
				this.snapshot = this.inspector.stats();
			}
			catch (RuntimeException ex) {
				// an ApiException when Redis cannot be reached
				logger.debug("queue stats unavailable: " + ex);
				this.snapshot = null;
			}
			this.snapshotAt = now;
		}
		QueueStats stats = this.snapshot;
		return (stats != null) ? value.applyAsDouble(stats) : Double.NaN;
	}

}
