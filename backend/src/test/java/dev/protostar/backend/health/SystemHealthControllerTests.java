package dev.protostar.backend.health;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

import static org.assertj.core.api.Assertions.assertThat;

// Spring Security is left out: these slices test the health endpoint and header alone;
// the security chain is covered against the whole application elsewhere.
@WebMvcTest(controllers = SystemHealthController.class,
		properties = { "protostar.color=green", "protostar.version=1.2.3" },
		excludeAutoConfiguration = { SecurityAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class,
				SecurityFilterAutoConfiguration.class })
// Slices skip @ConfigurationPropertiesScan, so register what the filter needs.
@EnableConfigurationProperties(ProtostarProperties.class)
class SystemHealthControllerTests {

	@Autowired
	private MockMvcTester mvc;

	@Test
	void healthAnswersWithEnvelopeAndIdentityHeader() {
		assertThat(this.mvc.get().uri("/api/health"))
			.hasStatusOk()
			.hasHeader("X-Protostar-Backend", "green 1.2.3")
			.bodyJson()
			.isStrictlyEqualTo("""
					{"resultCode":"OK","data":{"status":"UP","color":"green","version":"1.2.3"},"message":null}
					""");
	}

	@Test
	void unknownPathStillCarriesIdentityHeader() {
		assertThat(this.mvc.get().uri("/api/no-such-thing"))
			.hasStatus4xxClientError()
			.hasHeader("X-Protostar-Backend", "green 1.2.3");
	}

}
