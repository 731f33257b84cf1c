package dev.protostar.backend.request;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

import dev.protostar.backend.api.BodyTooLargeException;
import dev.protostar.backend.api.ErrorResponseWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
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
		var read = new AtomicReference<byte[]>();

		this.filter.doFilter(request, new MockHttpServletResponse(),
				(req, res) -> read.set(req.getInputStream().readAllBytes()));

		// Asserted here, not in the chain: an assertion there passes if the chain never runs.
		assertThat(read.get()).as("the chain ran and read the body").hasSize(10);
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
		var failure = new AtomicReference<Throwable>();

		this.filter.doFilter(request, new MockHttpServletResponse(),
				(req, res) -> failure.set(catchThrowable(() -> req.getInputStream().readAllBytes())));

		assertThat(failure.get()).as("the chain ran and its read failed")
			.isInstanceOf(IOException.class)
			.isInstanceOf(BodyTooLargeException.class);
	}

}
