package dev.protostar.backend.drill;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.ComponentScan.Filter;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drill filter as MockMvc applies it. No controller is needed: the filter
 * answers before a handler is looked up, and a request it lets through finds
 * none (404). That its failures carry the identity header is tested against the
 * whole application (DrillFaultManagementPortTests), where both filters run.
 */
// Spring Security is left out: these slices test the drill filter alone;
// the security chain is covered against the whole application elsewhere.
@WebMvcTest(useDefaultFilters = false,
		includeFilters = @Filter(type = FilterType.ASSIGNABLE_TYPE, classes = DrillFaultFilter.class),
		excludeAutoConfiguration = { SecurityAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class,
				SecurityFilterAutoConfiguration.class })
// Slices skip @ConfigurationPropertiesScan, so register what the filter needs.
@EnableConfigurationProperties(DrillProperties.class)
@Import(DrillFaultWebTests.RecordingSleeper.class)
class DrillFaultWebTests {

	/** Records the delays the filter asks for, instead of a test timing real waits. */
	static class RecordingSleeper implements DrillFaultFilter.Sleeper {

		final List<Duration> delays = new CopyOnWriteArrayList<>();

		@Override
		public void sleep(Duration delay) {
			this.delays.add(delay);
		}

	}

	@Nested
	@TestPropertySource(properties = "protostar.drill.fail-percent=100")
	class AllFail {

		@Autowired
		private MockMvcTester mvc;

		@Test
		void everyRequestFailsWithEnvelope() {
			for (int i = 0; i < 10; i++) {
				assertThat(this.mvc.get().uri("/api/health"))
					.hasStatus(500)
					.bodyJson()
					.isStrictlyEqualTo("""
							{"resultCode":"DRILL_FAULT","data":null,"message":"fault injected on purpose (PROTOSTAR_DRILL_FAIL_PERCENT)"}
							""");
			}
		}

	}

	@Nested
	@TestPropertySource(properties = { "protostar.drill.fail-percent=0", "protostar.drill.delay-ms=0" })
	class Off {

		@Autowired
		private MockMvcTester mvc;

		@Autowired
		private ApplicationContext context;

		@Test
		void noFilterAndRequestsPassThrough() {
			assertThat(this.context.getBeansOfType(DrillFaultFilter.class)).isEmpty();
			assertThat(this.mvc.get().uri("/api/health")).hasStatus(404);
		}

	}

	@Nested
	@TestPropertySource(properties = "protostar.drill.delay-ms=200")
	class Delayed {

		@Autowired
		private MockMvcTester mvc;

		@Autowired
		private RecordingSleeper sleeper;

		@Test
		void requestPassesThroughAfterTheDelay() {
			this.sleeper.delays.clear();

			assertThat(this.mvc.get().uri("/api/health")).hasStatus(404);

			assertThat(this.sleeper.delays).containsExactly(Duration.ofMillis(200));
		}

	}

}
