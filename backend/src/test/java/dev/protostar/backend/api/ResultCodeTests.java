package dev.protostar.backend.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ResultCodeTests {

	@Test
	void statusesMapToTheirGenericCodes() {
		assertThat(ResultCode.forStatus(404)).isEqualTo(ResultCode.NOT_FOUND);
		assertThat(ResultCode.forStatus(405)).isEqualTo(ResultCode.METHOD_NOT_ALLOWED);
		assertThat(ResultCode.forStatus(413)).isEqualTo(ResultCode.PAYLOAD_TOO_LARGE);
		assertThat(ResultCode.forStatus(415)).isEqualTo(ResultCode.UNSUPPORTED_MEDIA_TYPE);
		assertThat(ResultCode.forStatus(429)).isEqualTo(ResultCode.RATE_LIMITED);
	}

	@Test
	void otherClientErrorsAreBadRequests() {
		assertThat(ResultCode.forStatus(418)).isEqualTo(ResultCode.BAD_REQUEST);
	}

	@Test
	void serverErrorsAreInternalErrors() {
		assertThat(ResultCode.forStatus(500)).isEqualTo(ResultCode.INTERNAL_ERROR);
		assertThat(ResultCode.forStatus(502)).isEqualTo(ResultCode.INTERNAL_ERROR);
	}

	@Test
	void everyCodeHasAMessage() {
		for (ResultCode code : ResultCode.values()) {
			assertThat(code.defaultMessage()).as(code.name()).isNotBlank();
		}
	}

}
