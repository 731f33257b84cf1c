package dev.protostar.worker.queue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import dev.protostar.contract.queue.PayloadFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/** The ids a job's log lines carry, as JobWorker puts and clears them around a job. */
class JobLogIdsTests {

	@AfterEach
	void clearTheMdc() {
		MDC.clear();
	}

	@Test
	void aJobOfTheBackendLogsWithItsIdAndItsRequestsId() {
		JobLogIds.put(job(PayloadFixtures.CHAT));

		assertThat(MDC.get("jobId")).isEqualTo(PayloadFixtures.jobId(PayloadFixtures.CHAT));
		// The key of the backend's RequestIdFilter: one rid= for both apps.
		assertThat(MDC.get("requestId")).isEqualTo("4bf92f3577b34da6");
	}

	@Test
	void aJobWithoutARequestDoesNotLogUnderThePreviousJobsRequest() {
		JobLogIds.put(job(PayloadFixtures.INGESTION));
		JobLogIds.put(job(PayloadFixtures.INGESTION_REEMBED)); // a worker's own: no traceId

		assertThat(MDC.get("jobId")).isEqualTo(PayloadFixtures.jobId(PayloadFixtures.INGESTION_REEMBED));
		assertThat(MDC.get("requestId")).isNull();
	}

	@Test
	void anUnreadablePayloadStillLogsWithTheJobsId() {
		JobLogIds.put(new Job("j-1", "chat", "garbage", 1, 5, "w:1", 0, 0));

		assertThat(MDC.get("jobId")).isEqualTo("j-1");
		assertThat(MDC.get("requestId")).isNull();
	}

	@Test
	void clearRemovesTheJobsIdsAndNothingElse() {
		MDC.put("other", "kept");
		JobLogIds.put(job(PayloadFixtures.CHAT));

		JobLogIds.clear();

		assertThat(MDC.get("jobId")).isNull();
		assertThat(MDC.get("requestId")).isNull();
		assertThat(MDC.get("other")).isEqualTo("kept");
	}

	private static Job job(String fixture) {
		return new Job(PayloadFixtures.jobId(fixture), "ingestion", PayloadFixtures.read(fixture), 1, 5, "w:1", 0, 0);
	}

}
