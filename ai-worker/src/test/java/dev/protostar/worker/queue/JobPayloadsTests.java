package dev.protostar.worker.queue;

import org.junit.jupiter.api.Test;

import dev.protostar.contract.access.DocumentAccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class JobPayloadsTests {

	@Test
	void chatPayloadIsRead() {
		ChatJob chat = JobPayloads.chat(job("j-1", QueueFixture.chatPayload("j-1", "u-7")));
		assertThat(chat).isEqualTo(new ChatJob("j-1", "u-7", "STARGAZER", DocumentAccess.INTERNAL, "c-1",
				"How many days of leave do I have?", "t-j-1"));
	}

	@Test
	void documentAccessIsThePayloadsWhenGiven() {
		// The backend computes it from its configured tier limits, which may differ from the defaults.
		assertThat(JobPayloads.chat(job("j", chat("\"role\":\"GUEST\",\"documentAccess\":\"INTERNAL\"")))
			.documentAccess()).isEqualTo(DocumentAccess.INTERNAL);
		assertThat(JobPayloads.chat(job("j", chat("\"role\":\"ADMIN\",\"documentAccess\":\"PUBLIC\"")))
			.documentAccess()).isEqualTo(DocumentAccess.PUBLIC);
	}

	@Test
	void withoutDocumentAccessTheRoleDecides() {
		assertThat(JobPayloads.chat(job("j", chat("\"role\":\"GUEST\""))).documentAccess())
			.isEqualTo(DocumentAccess.PUBLIC);
		assertThat(JobPayloads.chat(job("j", chat("\"role\":\"STARGAZER\""))).documentAccess())
			.isEqualTo(DocumentAccess.INTERNAL);
		assertThat(JobPayloads.chat(job("j", chat("\"role\":\"PROTOSTAR\""))).documentAccess())
			.isEqualTo(DocumentAccess.CONFIDENTIAL);
		assertThat(JobPayloads.chat(job("j", chat("\"role\":\"ADMIN\",\"documentAccess\":null"))).documentAccess())
			.isEqualTo(DocumentAccess.CONFIDENTIAL);
	}

	@Test
	void anUnknownDocumentAccessOrRoleIsRefusedNotGuessed() {
		assertRejected(chat("\"role\":\"GUEST\",\"documentAccess\":\"SECRET\""),
				"unknown documentAccess \"SECRET\" (expected PUBLIC, INTERNAL or CONFIDENTIAL)");
		assertRejected(chat("\"role\":\"GUEST\",\"documentAccess\":\"public\""), "unknown documentAccess");
		assertRejected(chat("\"role\":\"GUEST\",\"documentAccess\":2"), "unknown documentAccess 2");
		assertRejected(chat("\"role\":\"employee\""), "no documentAccess and an unknown role 'employee'");
	}

	@Test
	void ingestionPayloadIsReadAndUnknownFieldsAreIgnored() {
		IngestionJob ingestion = JobPayloads.ingestion(job("j-2",
				"{\"v\":1,\"jobId\":\"j-2\",\"documentId\":\"d-9\",\"userId\":\"u-1\",\"addedLater\":[1,2]}"));
		assertThat(ingestion).isEqualTo(new IngestionJob("j-2", "d-9", "u-1", null));
	}

	@Test
	void ingestionUserIdIsOptionalAsQueueMdSays() {
		assertThat(JobPayloads.ingestion(job("j-3", "{\"v\":1,\"jobId\":\"j-3\",\"documentId\":\"d-9\"}")))
			.isEqualTo(new IngestionJob("j-3", "d-9", null, null));
	}

	@Test
	void anythingARetryCannotFixIsNonRetryable() {
		assertRejected("not json", "is not JSON");
		assertRejected("[1]", "is not a JSON object");
		assertRejected("{\"jobId\":\"j\"}", "has version null");
		assertRejected("{\"v\":2,\"jobId\":\"j\"}", "has version 2, this worker reads v=1");
		assertRejected("{\"v\":1,\"jobId\":\"other\"}", "names another job id 'other'");
		assertRejected("{\"v\":1,\"jobId\":\"j\",\"userId\":\"u\",\"role\":\"r\",\"conversationId\":\"c\"}",
				"lacks \"message\"");
		assertRejected("{\"v\":1,\"jobId\":\"j\",\"userId\":\"u\",\"role\":\"r\",\"conversationId\":\"c\",\"message\":7}",
				"lacks \"message\"");
		assertRejected("{\"v\":1,\"jobId\":\"j\",\"userId\":\"a b\",\"role\":\"r\",\"conversationId\":\"c\",\"message\":\"m\"}",
				"malformed userId");
	}

	@Test
	void eventsGoToTheUserOnlyWhenThePayloadNamesAWellFormedOne() {
		assertThat(JobPayloads.userIdOrNull(job("j", QueueFixture.chatPayload("j", "u-1")))).isEqualTo("u-1");
		assertThat(JobPayloads.userIdOrNull(job("j", "{\"v\":1,\"jobId\":\"j\"}"))).isNull();
		assertThat(JobPayloads.userIdOrNull(job("j", "{\"v\":1,\"jobId\":\"j\",\"userId\":\"x y\"}"))).isNull();
		assertThat(JobPayloads.userIdOrNull(job("j", "garbage"))).isNull();
	}

	private static void assertRejected(String payload, String message) {
		assertThatExceptionOfType(NonRetryableJobException.class)
			.isThrownBy(() -> JobPayloads.chat(job("j", payload)))
			.withMessageContaining(message);
	}

	/** A well-formed chat payload of job "j" with these role and access fields. */
	private static String chat(String roleAndAccess) {
		return "{\"v\":1,\"jobId\":\"j\",\"userId\":\"u\",\"conversationId\":\"c\",\"message\":\"m\","
				+ roleAndAccess + "}";
	}

	private static Job job(String id, String payload) {
		return new Job(id, "chat", payload, 1, 5, "w:1", 0, 0);
	}

}
