package dev.protostar.backend.drill;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.protostar.backend.BackendApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Validation and the on/off decision on a minimal context; the last tests start
 * the real application (as {@link ProductionSecretsTests} does) to prove that
 * the environment variables reach the properties through
 * application.properties.
 */
class DrillPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(DrillConfiguration.class, DrillFaultFilter.class);

	@Test
	void failPercentAbove100FailsStartupNamingTheVariable() {
		this.runner.withPropertyValues("protostar.drill.fail-percent=101")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("PROTOSTAR_DRILL_FAIL_PERCENT must be between 0 and 100"));
	}

	@Test
	void negativeFailPercentFailsStartupNamingTheVariable() {
		this.runner.withPropertyValues("protostar.drill.fail-percent=-1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("PROTOSTAR_DRILL_FAIL_PERCENT must be between 0 and 100"));
	}

	@Test
	void negativeDelayFailsStartupNamingTheVariable() {
		this.runner.withPropertyValues("protostar.drill.delay-ms=-1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("PROTOSTAR_DRILL_DELAY_MS must be 0 or more")
				.hasMessageNotContaining("PROTOSTAR_DRILL_FAIL_PERCENT"));
	}

	@Test
	void noFilterByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(DrillFaultFilter.class);
			assertThat(context.getBean(DrillProperties.class)).isEqualTo(new DrillProperties(0, 0));
		});
	}

	@Test
	void noFilterWhenBothAreZero() {
		this.runner.withPropertyValues("protostar.drill.fail-percent=0", "protostar.drill.delay-ms=0")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(DrillFaultFilter.class));
	}

	@Test
	void filterWhenFailPercentIsSet() {
		this.runner.withPropertyValues("protostar.drill.fail-percent=100")
			.run((context) -> assertThat(context).hasSingleBean(DrillFaultFilter.class));
	}

	@Test
	void filterWhenOnlyDelayIsSet() {
		this.runner.withPropertyValues("protostar.drill.delay-ms=250")
			.run((context) -> assertThat(context).hasSingleBean(DrillFaultFilter.class));
	}

	@Test
	void applicationRefusesInvalidFailPercentVariable() {
		assertThatException().isThrownBy(() -> run("--PROTOSTAR_DRILL_FAIL_PERCENT=101"))
			.havingRootCause()
			.withMessageContaining("PROTOSTAR_DRILL_FAIL_PERCENT must be between 0 and 100");
	}

	@Test
	void applicationRefusesInvalidDelayVariable() {
		assertThatException().isThrownBy(() -> run("--PROTOSTAR_DRILL_DELAY_MS=-1"))
			.havingRootCause()
			.withMessageContaining("PROTOSTAR_DRILL_DELAY_MS must be 0 or more");
	}

	@Test
	void applicationBindsTheVariables() {
		try (ConfigurableApplicationContext context = run("--PROTOSTAR_DRILL_FAIL_PERCENT=7",
				"--PROTOSTAR_DRILL_DELAY_MS=20")) {
			assertThat(context.getBean(DrillProperties.class)).isEqualTo(new DrillProperties(7, 20));
			assertThat(context.getBeansOfType(DrillFaultFilter.class)).hasSize(1);
		}
	}

	@Test
	void applicationHasNoFilterWithTheVariablesAtZero() {
		// Explicit zeros: command-line arguments win over the caller's environment.
		try (ConfigurableApplicationContext context = run("--PROTOSTAR_DRILL_FAIL_PERCENT=0",
				"--PROTOSTAR_DRILL_DELAY_MS=0")) {
			assertThat(context.getBeansOfType(DrillFaultFilter.class)).isEmpty();
		}
	}

	private static ConfigurableApplicationContext run(String... args) {
		String[] all = new String[args.length + 2];
		all[0] = "--spring.main.web-application-type=none";
		// Flyway would contact the database at startup.
		all[1] = "--spring.flyway.enabled=false";
		System.arraycopy(args, 0, all, 2, args.length);
		return SpringApplication.run(BackendApplication.class, all);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(DrillProperties.class)
	static class DrillConfiguration {

		@Bean
		JsonMapper jsonMapper() {
			return JsonMapper.builder().build();
		}

	}

}
