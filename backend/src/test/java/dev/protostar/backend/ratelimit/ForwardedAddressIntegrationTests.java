package dev.protostar.backend.ratelimit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that is not a trusted proxy cannot choose its address with
 * X-Real-IP. The test connects from loopback, so loopback is taken off the
 * trusted list here (its own application context) to play the untrusted client.
 */
@TestPropertySource(properties = { "server.tomcat.remoteip.internal-proxies=192\\.0\\.2\\.1",
		"protostar.rate-limit.anonymous-per-minute=3" })
class ForwardedAddressIntegrationTests extends IntegrationTestSupport {

	@Test
	void spoofedAddressHeaderIsIgnored() throws Exception {
		int limited = 0;
		for (int i = 0; i < 4; i++) {
			// A new made-up address each time: honoured, no request would be limited.
			HttpResponse<String> response = send(
					request("/api/no-such-thing").setHeader("X-Real-IP", "203.0.113." + (i + 1)).GET().build());
			if (response.statusCode() == 429) {
				limited++;
			}
		}

		assertThat(limited).isPositive();
	}

}
