package dev.protostar.backend.system;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filters as MockMvc applies them, in their registered order, with the
 * application's own JsonMapper.
 */
// Spring Security is left out: these slices test the system filters alone;
// the security chain is covered against the whole application elsewhere.
@WebMvcTest(controllers = SystemHealthController.class,
		properties = { "protostar.color=green", "protostar.version=1.2.3" },
		excludeAutoConfiguration = { SecurityAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class,
				SecurityFilterAutoConfiguration.class })
// Slices skip @ConfigurationPropertiesScan, so register what the filters need.
@EnableConfigurationProperties({ ProtostarProperties.class, DrillProperties.class })
class DrillFaultWebTests {

	@Nested
	@TestPropertySource(properties = "protostar.drill.fail-percent=100")
	class AllFail {

		@Autowired
		private MockMvcTester mvc;

		@Test
		void everyHealthRequestFailsWithEnvelopeAndIdentityHeader() {
			for (int i = 0; i < 10; i++) {
				assertThat(this.mvc.get().uri("/api/health"))
					.hasStatus(500)
					.hasHeader("X-Protostar-Backend", "green 1.2.3")
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
		void noFilterAndHealthAnswers() {
			assertThat(this.context.getBeansOfType(DrillFaultFilter.class)).isEmpty();
			assertThat(this.mvc.get().uri("/api/health")).hasStatusOk()
				.hasHeader("X-Protostar-Backend", "green 1.2.3");
		}

	}

	@Nested
	@TestPropertySource(properties = "protostar.drill.delay-ms=200")
	class Delayed {

		@Autowired
		private MockMvcTester mvc;

		@Test
		void healthAnswersAfterTheDelay() {
			long start = System.nanoTime();

			assertThat(this.mvc.get().uri("/api/health")).hasStatusOk();

			assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
		}

	}

}
