package dev.protostar.worker.queue;

import java.util.Map;

/**
 * A snapshot of the queue, as stats.lua reports it.
 *
 * @param values name to value: {@code waiting:<type>}, {@code oldest-age-ms:<type>}
 * (-1 when none waits), {@code active}, {@code delayed}, {@code dead},
 * {@code total:<enqueued|completed|retried|dead|recovered|replayed>}
 */
public record QueueStats(Map<String, Long> values) {

	public long waiting(String type) {
		return this.values.getOrDefault("waiting:" + type, 0L);
	}

	/** Age of the next job of this type to be claimed, in ms; -1 when none waits. */
	public long oldestAgeMs(String type) {
		return this.values.getOrDefault("oldest-age-ms:" + type, -1L);
	}

	public long active() {
		return this.values.getOrDefault("active", 0L);
	}

	public long delayed() {
		return this.values.getOrDefault("delayed", 0L);
	}

	public long dead() {
		return this.values.getOrDefault("dead", 0L);
	}

	public long total(String counter) {
		return this.values.getOrDefault("total:" + counter, 0L);
	}

}
