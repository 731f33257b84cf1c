package dev.protostar.worker.queue;

import org.slf4j.MDC;

/**
 * The ids every log line of a running job carries, through the SLF4J MDC of the thread
 * that runs it: the job's id, and the id of the HTTP request that enqueued it (the
 * payload's {@code traceId}) under the backend's key, so that one {@code rid=} search in
 * Loki finds a request's lines in both applications. Printed by logback-spring.xml
 * ({@code rid=… job=…}) and the console pattern (logging.pattern.level).
 * <p>
 * Job threads are pooled: whatever is put must be cleared when the job ends, or the next
 * job on the thread would log under this one's ids.
 */
final class JobLogIds {

	/** The backend's key (its RequestIdFilter.MDC_KEY): one name for the request id. */
	static final String REQUEST_ID = "requestId";

	static final String JOB_ID = "jobId";

	private JobLogIds() {
	}

	/** Puts the job's ids; a job without a request id (a worker's own) gets none. */
	static void put(Job job) {
		MDC.put(JOB_ID, job.id());
		String requestId = job.traceIdOrNull();
		if (requestId != null) {
			MDC.put(REQUEST_ID, requestId);
		}
		else {
			MDC.remove(REQUEST_ID);
		}
	}

	static void clear() {
		MDC.remove(JOB_ID);
		MDC.remove(REQUEST_ID);
	}

}
