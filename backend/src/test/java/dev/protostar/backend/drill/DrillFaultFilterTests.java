package dev.protostar.backend.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;

import jakarta.servlet.FilterChain;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class DrillFaultFilterTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@Test
	void failingRequestGetsEnvelopeInsteadOfTheChain() throws Exception {
		var filter = new DrillFaultFilter(new DrillProperties(100, 0), json, () -> 99, noSleep());
		var response = new MockHttpServletResponse();
		FilterChain chain = (req, res) -> fail("the chain must not run for a failed request");

		filter.doFilter(new MockHttpServletRequest("GET", "/api/health"), response, chain);

		assertThat(response.getStatus()).isEqualTo(500);
		assertThat(response.getContentType()).startsWith("application/json");
		assertThat(response.getContentAsString()).isEqualTo("""
				{"resultCode":"DRILL_FAULT","data":null,"message":"fault injected on purpose (PROTOSTAR_DRILL_FAIL_PERCENT)"}""");
	}

	@Test
	void fiftyPercentFailsExactlyTheRequestsRollingBelowFifty() throws Exception {
		// 0, 1, ..., 99: every possible roll once, in order.
		var rolls = new AtomicInteger();
		var filter = new DrillFaultFilter(new DrillProperties(50, 0), json, rolls::getAndIncrement, noSleep());
		List<Integer> failed = new ArrayList<>();

		for (int request = 0; request < 100; request++) {
			var passed = new AtomicBoolean();
			var response = new MockHttpServletResponse();
			filter.doFilter(new MockHttpServletRequest("GET", "/api/health"), response, (req, res) -> passed.set(true));
			if (response.getStatus() == 500) {
				assertThat(passed).as("request %d failed but reached the chain", request).isFalse();
				failed.add(request);
			}
			else {
				assertThat(passed).as("request %d neither failed nor reached the chain", request).isTrue();
			}
		}

		assertThat(rolls).hasValue(100);
		assertThat(failed).isEqualTo(IntStream.range(0, 50).boxed().toList());
	}

	@Test
	void zeroPercentNeverFailsNorRolls() throws Exception {
		IntSupplier noRolls = () -> fail("no roll is needed when nothing may fail");
		List<Duration> sleeps = new ArrayList<>();
		var filter = new DrillFaultFilter(new DrillProperties(0, 1), json, noRolls, sleeps::add);
		var passed = new AtomicBoolean();

		filter.doFilter(new MockHttpServletRequest("GET", "/api/health"), new MockHttpServletResponse(),
				(req, res) -> passed.set(true));

		assertThat(passed).isTrue();
		assertThat(sleeps).containsExactly(Duration.ofMillis(1));
	}

	@Test
	void delayComesBeforeTheChain() throws Exception {
		List<String> steps = new ArrayList<>();
		var filter = new DrillFaultFilter(new DrillProperties(0, 300), json, () -> 0,
				(delay) -> steps.add("sleep " + delay.toMillis() + " ms"));

		filter.doFilter(new MockHttpServletRequest("GET", "/api/health"), new MockHttpServletResponse(),
				(req, res) -> steps.add("chain"));

		assertThat(steps).containsExactly("sleep 300 ms", "chain");
	}

	@Test
	void delayAlsoAppliesToFailingRequests() throws Exception {
		List<Duration> sleeps = new ArrayList<>();
		var filter = new DrillFaultFilter(new DrillProperties(100, 300), json, () -> 0, sleeps::add);
		var response = new MockHttpServletResponse();

		filter.doFilter(new MockHttpServletRequest("GET", "/api/health"), response,
				(req, res) -> fail("the chain must not run for a failed request"));

		assertThat(sleeps).containsExactly(Duration.ofMillis(300));
		assertThat(response.getStatus()).isEqualTo(500);
	}

	/** For tests without a delay: any sleep would be a bug. */
	private static DrillFaultFilter.Sleeper noSleep() {
		return (delay) -> fail("no delay is configured, yet the filter slept " + delay);
	}

}
