package dev.protostar.worker.queue;

import org.junit.jupiter.api.Test;

import dev.protostar.contract.access.DocumentAccess;
import dev.protostar.contract.queue.ChatJobPayload;
import dev.protostar.contract.queue.IngestionJobPayload;
import dev.protostar.contract.queue.JobPayloads;
import dev.protostar.contract.queue.PayloadFixtures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * How the worker reads a claimed job's payload: the contract's fixtures, written as the
 * producers write them, and what a payload that cannot be read becomes.
 */
class JobTests {

	@Test
	void aChatJobOfTheBackendIsRead() {
		ChatJobPayload chat = job(PayloadFixtures.CHAT).chatPayload();
		assertThat(chat.jobId()).isEqualTo(PayloadFixtures.jobId(PayloadFixtures.CHAT));
		assertThat(chat.role()).isEqualTo("STARGAZER");
		assertThat(chat.documentAccess()).isEqualTo(DocumentAccess.INTERNAL);
		assertThat(chat.message()).isEqualTo("How many days of leave do I have? 연차는 며칠인가요?");
		assertThat(chat.traceId()).isEqualTo("4bf92f3577b34da6");
	}

	@Test
	void aChatJobEnqueuedByAnOlderBackendIsStillAnswered() {
		// In flight across an upgrade: its tier's default level stands in.
		ChatJobPayload chat = job(PayloadFixtures.CHAT_WITHOUT_DOCUMENT_ACCESS).chatPayload();
		assertThat(chat.role()).isEqualTo("GUEST");
		assertThat(chat.documentAccess()).isEqualTo(DocumentAccess.PUBLIC);
	}

	@Test
	void ingestionJobsOfTheBackendAndOfAWorkerAreRead() {
		IngestionJobPayload upload = job(PayloadFixtures.INGESTION).ingestionPayload();
		assertThat(upload.documentId()).isEqualTo("3f2b6c1e-8a4d-4e0f-9b7a-1c2d3e4f5a6b");
		assertThat(upload.userId()).isEqualTo("0d9c3a52-4b8e-4f6a-9d21-6c5e8b7a1f30");
		IngestionJobPayload reembed = job(PayloadFixtures.INGESTION_REEMBED).ingestionPayload();
		assertThat(reembed.documentId()).isEqualTo(upload.documentId());
		assertThat(reembed.userId()).isNull();
	}

	@Test
	void eventsGoToTheUserThePayloadNames() {
		assertThat(job(PayloadFixtures.CHAT).userIdOrNull()).isEqualTo("0d9c3a52-4b8e-4f6a-9d21-6c5e8b7a1f30");
		assertThat(job(PayloadFixtures.INGESTION_REEMBED).userIdOrNull()).isNull();
		assertThat(new Job("j", "chat", "garbage", 1, 5, "w:1", 0, 0).userIdOrNull()).isNull();
	}

	@Test
	void aPayloadThatCannotBeReadIsNotRetried() {
		// The fixture of another job: a copy-paste error no retry can fix.
		Job other = new Job("j-other", "chat", PayloadFixtures.read(PayloadFixtures.CHAT), 1, 5, "w:1", 0, 0);
		assertThatExceptionOfType(NonRetryableJobException.class).isThrownBy(other::chatPayload)
			.withMessageContaining("payload of job j-other names another job id");
		Job v2 = new Job("j", "ingestion", "{\"v\":2,\"jobId\":\"j\",\"documentId\":\"d\"}", 1, 5, "w:1", 0, 0);
		assertThatExceptionOfType(NonRetryableJobException.class).isThrownBy(v2::ingestionPayload)
			.withMessage("payload of job j has version 2, this worker reads v=" + JobPayloads.VERSION);
	}

	private static Job job(String fixture) {
		return new Job(PayloadFixtures.jobId(fixture), "chat", PayloadFixtures.read(fixture), 1, 5, "w:1", 0, 0);
	}

}
