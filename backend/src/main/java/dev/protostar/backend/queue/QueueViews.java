package dev.protostar.backend.queue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Response payloads of the admins' queue endpoints (inside the envelope's {@code data}). */
final class QueueViews {

	private QueueViews() {
	}

	/**
	 * The queue's depth, as {@code protostar jobs stats} shows it.
	 * @param waiting jobs waiting to be claimed, all types
	 * @param running jobs a worker holds (claimed, lease not expired)
	 * @param delayed jobs waiting for a retry's backoff
	 * @param deadLetters jobs whose attempts are used up
	 * @param oldestWaitingSeconds how long the oldest waiting job has waited, any
	 * type; 0 when none waits
	 * @param byType the same per job type ({@code chat}, {@code ingestion})
	 */
	record QueueStats(long waiting, long running, long delayed, long deadLetters, long oldestWaitingSeconds,
			Map<String, TypeStats> byType) {
	}

	/** @param oldestWaitingSeconds 0 when none of the type waits */
	record TypeStats(long waiting, long oldestWaitingSeconds) {
	}

	/**
	 * A dead job, as {@code protostar jobs dlq list} shows it.
	 * @param id what replay takes: the job id
	 * @param jobId the same (the events of the job carry it)
	 * @param error the last failure, one line of at most 300 characters, or null
	 * @param attempts attempts made; null when unknown
	 * @param maxAttempts attempts it had; null when unknown
	 */
	record DeadLetter(String id, String jobId, String type, Instant failedAt, String error, Integer attempts,
			Integer maxAttempts) {
	}

	/**
	 * @param items the newest first, at most the limit asked for
	 * @param total dead jobs in all
	 */
	record DeadLetters(List<DeadLetter> items, long total) {
	}

}
