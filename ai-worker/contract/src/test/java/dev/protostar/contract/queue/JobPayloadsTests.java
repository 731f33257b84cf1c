package dev.protostar.contract.queue;

import org.junit.jupiter.api.Test;

import dev.protostar.contract.access.DocumentAccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class JobPayloadsTests {

	private static final String USER = "0d9c3a52-4b8e-4f6a-9d21-6c5e8b7a1f30";

	private static final ChatJobPayload CHAT = new ChatJobPayload("7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10", USER,
			"STARGAZER", DocumentAccess.INTERNAL, "c2e4a6b8-1d3f-4a5c-8e7b-9f0a1b2c3d4e",
			"How many days of leave do I have? 연차는 며칠인가요?", "4bf92f3577b34da6");

	private static final IngestionJobPayload UPLOAD = new IngestionJobPayload(
			"ingest-3f2b6c1e-8a4d-4e0f-9b7a-1c2d3e4f5a6b-1", "3f2b6c1e-8a4d-4e0f-9b7a-1c2d3e4f5a6b", USER,
			"9a7c2e1f0b3d4c5a");

	private static final IngestionJobPayload REEMBED = new IngestionJobPayload(
			"ingest-3f2b6c1e-8a4d-4e0f-9b7a-1c2d3e4f5a6b-model-1a2b3c4d-5e6f7a8b",
			"3f2b6c1e-8a4d-4e0f-9b7a-1c2d3e4f5a6b", null, null);

	@Test
	void aChatPayloadIsWrittenByteForByteAsTheFixture() {
		assertThat(JobPayloads.write(CHAT)).isEqualTo(PayloadFixtures.read(PayloadFixtures.CHAT));
	}

	@Test
	void aChatFixtureReadsBackIntoThePayloadThatWroteIt() {
		assertThat(JobPayloads.readChat(CHAT.jobId(), PayloadFixtures.read(PayloadFixtures.CHAT))).isEqualTo(CHAT);
	}

	@Test
	void ingestionPayloadsAreWrittenByteForByteAsTheFixturesAndReadBack() {
		assertThat(JobPayloads.write(UPLOAD)).isEqualTo(PayloadFixtures.read(PayloadFixtures.INGESTION));
		assertThat(JobPayloads.write(REEMBED)).isEqualTo(PayloadFixtures.read(PayloadFixtures.INGESTION_REEMBED));
		assertThat(JobPayloads.readIngestion(UPLOAD.jobId(), PayloadFixtures.read(PayloadFixtures.INGESTION)))
			.isEqualTo(UPLOAD);
		assertThat(JobPayloads.readIngestion(REEMBED.jobId(), PayloadFixtures.read(PayloadFixtures.INGESTION_REEMBED)))
			.isEqualTo(REEMBED);
	}

	@Test
	void aChatPayloadOfAnOlderProducerGetsItsRolesDefaultLevel() {
		String old = PayloadFixtures.read(PayloadFixtures.CHAT_WITHOUT_DOCUMENT_ACCESS);
		ChatJobPayload read = JobPayloads.readChat(PayloadFixtures.jobId(PayloadFixtures.CHAT_WITHOUT_DOCUMENT_ACCESS),
				old);
		assertThat(read.role()).isEqualTo("GUEST");
		assertThat(read.documentAccess()).isEqualTo(DocumentAccess.PUBLIC);
	}

	@Test
	void documentAccessIsThePayloadsWhenGiven() {
		// The backend sends its configured level, which may differ from the role's default.
		assertThat(JobPayloads.readChat("j", chat("\"role\":\"GUEST\",\"documentAccess\":\"INTERNAL\""))
			.documentAccess()).isEqualTo(DocumentAccess.INTERNAL);
		assertThat(JobPayloads.readChat("j", chat("\"role\":\"ADMIN\",\"documentAccess\":\"PUBLIC\""))
			.documentAccess()).isEqualTo(DocumentAccess.PUBLIC);
		assertThat(JobPayloads.readChat("j", chat("\"role\":\"ADMIN\",\"documentAccess\":null")).documentAccess())
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
	void unknownFieldsAreIgnoredAndTheIngestionUserIsOptional() {
		assertThat(JobPayloads.readIngestion("j-2",
				"{\"v\":1,\"jobId\":\"j-2\",\"documentId\":\"d-9\",\"userId\":\"u-1\",\"addedLater\":[1,2]}"))
			.isEqualTo(new IngestionJobPayload("j-2", "d-9", "u-1", null));
		assertThat(JobPayloads.readIngestion("j-3", "{\"v\":1,\"jobId\":\"j-3\",\"documentId\":\"d-9\"}"))
			.isEqualTo(new IngestionJobPayload("j-3", "d-9", null, null));
	}

	@Test
	void anythingARetryCannotFixIsInvalid() {
		assertRejected("not json", "payload of job j is not JSON");
		assertRejected(null, "is not a JSON object");
		assertRejected("[1]", "is not a JSON object");
		assertRejected("{\"jobId\":\"j\"}", "has version null");
		assertRejected("{\"v\":2,\"jobId\":\"j\"}", "has version 2, this worker reads v=1");
		assertRejected("{\"v\":1,\"jobId\":\"other\"}", "names another job id 'other'");
		assertRejected("{\"v\":1,\"jobId\":\"j\",\"userId\":\"u\",\"role\":\"r\",\"conversationId\":\"c\"}",
				"lacks \"message\" (a non-empty string)");
		assertRejected("{\"v\":1,\"jobId\":\"j\",\"userId\":\"u\",\"role\":\"r\",\"conversationId\":\"c\",\"message\":7}",
				"lacks \"message\"");
		assertRejected("{\"v\":1,\"jobId\":\"j\",\"userId\":\"a b\",\"role\":\"r\",\"conversationId\":\"c\",\"message\":\"m\"}",
				"malformed userId");
		assertThatExceptionOfType(InvalidPayloadException.class)
			.isThrownBy(() -> JobPayloads.readIngestion("j", "{\"v\":1,\"jobId\":\"j\",\"documentId\":\" \"}"))
			.withMessage("payload of job j lacks \"documentId\" (a non-empty string)");
	}

	@Test
	void eventsGoToTheUserOnlyWhenThePayloadNamesAWellFormedOne() {
		assertThat(JobPayloads.userIdOrNull(CHAT.jobId(), PayloadFixtures.read(PayloadFixtures.CHAT))).isEqualTo(USER);
		assertThat(JobPayloads.userIdOrNull(REEMBED.jobId(), PayloadFixtures.read(PayloadFixtures.INGESTION_REEMBED)))
			.isNull();
		assertThat(JobPayloads.userIdOrNull("j", "{\"v\":1,\"jobId\":\"j\",\"userId\":\"x y\"}")).isNull();
		assertThat(JobPayloads.userIdOrNull("j", "garbage")).isNull();
	}

	@Test
	void theRequestIdGoesToTheLogsOnlyWhenItIsAPlainId() {
		assertThat(JobPayloads.traceIdOrNull(CHAT.jobId(), PayloadFixtures.read(PayloadFixtures.CHAT)))
			.isEqualTo("4bf92f3577b34da6");
		assertThat(JobPayloads.traceIdOrNull(REEMBED.jobId(), PayloadFixtures.read(PayloadFixtures.INGESTION_REEMBED)))
			.isNull();
		// A line break would forge a log line; a space would split the line's rid= field.
		assertThat(JobPayloads.traceIdOrNull("j", "{\"v\":1,\"jobId\":\"j\",\"traceId\":\"r1\\nl=ERROR\"}"))
			.isNull();
		assertThat(JobPayloads.traceIdOrNull("j", "{\"v\":1,\"jobId\":\"j\",\"traceId\":\"r 1\"}")).isNull();
		assertThat(JobPayloads.traceIdOrNull("j", "garbage")).isNull();
	}

	private static void assertRejected(String payload, String message) {
		assertThatExceptionOfType(InvalidPayloadException.class).isThrownBy(() -> JobPayloads.readChat("j", payload))
			.withMessageContaining(message);
	}

	/** A well-formed chat payload of job "j" with these role and access fields. */
	private static String chat(String roleAndAccess) {
		return "{\"v\":1,\"jobId\":\"j\",\"userId\":\"u\",\"conversationId\":\"c\",\"message\":\"m\"," + roleAndAccess
				+ "}";
	}

}
