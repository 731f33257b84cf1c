package dev.protostar.backend.request;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

import dev.protostar.backend.api.BodyTooLargeException;
import dev.protostar.backend.api.ErrorResponseWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.fail;

class RequestBodyLimitFilterTests {

	private final RequestBodyLimitFilter filter = new RequestBodyLimitFilter(
			new HttpProperties(DataSize.ofBytes(10)), new ErrorResponseWriter(JsonMapper.builder().build()));

	@Test
	void declaredLengthOverTheLimitIsRefusedBeforeTheChain() throws Exception {
		var request = new MockHttpServletRequest("POST", "/api/auth/signup");
		request.setContent(new byte[11]);
		var response = new MockHttpServletResponse();

		this.filter.doFilter(request, response, (req, res) -> fail("the body must not be read"));

		assertThat(response.getStatus()).isEqualTo(413);
		assertThat(response.getContentAsString()).contains("\"resultCode\":\"PAYLOAD_TOO_LARGE\"");
	}

	@Test
	void bodyOfExactlyTheLimitIsRead() throws Exception {
		var request = new MockHttpServletRequest("POST", "/api/auth/signup");
		request.setContent(new byte[10]);

		this.filter.doFilter(request, new MockHttpServletResponse(),
				(req, res) -> assertThat(req.getInputStream().readAllBytes()).hasSize(10));
	}

	@Test
	void undeclaredLengthFailsWhileReadingPastTheLimit() throws Exception {
		var request = new MockHttpServletRequest("POST", "/api/auth/signup") {

			@Override
			public long getContentLengthLong() {
				return -1;
			}

		};
		request.setContent(new byte[11]);

		this.filter.doFilter(request, new MockHttpServletResponse(),
				(req, res) -> assertThatExceptionOfType(IOException.class)
					.isThrownBy(() -> req.getInputStream().readAllBytes())
					.isInstanceOf(BodyTooLargeException.class));
	}

}
