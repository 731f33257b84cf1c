package dev.protostar.backend.request;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdFilterTests {

	private final RequestIdFilter filter = new RequestIdFilter();

	@Test
	void idFromNginxIsKeptInMdcAndHeader() throws Exception {
		var request = new MockHttpServletRequest("GET", "/api/health");
		request.addHeader("X-Request-Id", "0123456789abcdef0123456789abcdef");
		var response = new MockHttpServletResponse();
		var seen = new AtomicReference<String>();

		this.filter.doFilter(request, response, (req, res) -> seen.set(MDC.get("requestId")));

		assertThat(seen).hasValue("0123456789abcdef0123456789abcdef");
		assertThat(response.getHeader("X-Request-Id")).isEqualTo("0123456789abcdef0123456789abcdef");
		assertThat(MDC.get("requestId")).as("cleared after the request").isNull();
	}

	@Test
	void idWithLineBreakIsReplaced() throws Exception {
		var request = new MockHttpServletRequest("GET", "/api/health");
		request.addHeader("X-Request-Id", "abcdefgh\nFAKE LOG LINE");
		var response = new MockHttpServletResponse();

		this.filter.doFilter(request, response, (req, res) -> {
		});

		assertThat(response.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");
	}

	@Test
	void missingIdIsGenerated() throws Exception {
		var response = new MockHttpServletResponse();

		this.filter.doFilter(new MockHttpServletRequest("GET", "/api/health"), response, (req, res) -> {
		});

		assertThat(response.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");
	}

}
