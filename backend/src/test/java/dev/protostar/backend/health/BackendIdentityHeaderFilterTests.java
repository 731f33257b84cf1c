package dev.protostar.backend.health;

import jakarta.servlet.FilterChain;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

class BackendIdentityHeaderFilterTests {

	@Test
	void headerIsSetBeforeTheChainCommitsTheResponse() throws Exception {
		var filter = new BackendIdentityHeaderFilter(new ProtostarProperties("blue", "0.1.0"));
		var response = new MockHttpServletResponse();
		// A chain that commits the response, as a controller writing a body would.
		FilterChain chain = (req, res) -> res.flushBuffer();

		filter.doFilter(new MockHttpServletRequest("GET", "/api/health"), response, chain);

		assertThat(response.isCommitted()).isTrue();
		assertThat(response.getHeader(BackendIdentityHeaderFilter.HEADER)).isEqualTo("blue 0.1.0");
	}

}
