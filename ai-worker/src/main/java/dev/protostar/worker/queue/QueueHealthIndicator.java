package dev.protostar.worker.queue;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Part of readiness ({@code queue}): the worker is ready only while its queue loop runs.
 * Redis itself is the {@code redis} indicator. With {@code protostar.queue.enabled=false}
 * it reports UP and says so (the readiness group names it either way).
 */
@Component("queueHealthIndicator")
class QueueHealthIndicator implements HealthIndicator {

	private final ObjectProvider<JobWorker> worker;

	QueueHealthIndicator(ObjectProvider<JobWorker> worker) {
		this.worker = worker;
	}

	@Override
	public Health health() {
		JobWorker worker = this.worker.getIfAvailable();
		if (worker == null) {
			return Health.up().withDetail("enabled", false).build();
		}
		Health.Builder builder = worker.loopAlive() ? Health.up() : Health.down();
		return builder.withDetail("worker", worker.workerId())
			.withDetail("running", worker.isRunning())
			.withDetail("inFlight", worker.inFlight())
			.withDetail("concurrency", worker.concurrency())
			.build();
	}

}
