package dev.protostar.worker;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import dev.protostar.contract.secrets.ProductionSecrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Starts the real application (without a web server and without the job worker, so
 * no database or Redis is contacted) so that the profile, the environment and the check
 * are all exercised together. Command-line arguments win over environment variables, so
 * the outcome does not depend on the caller's env.
 */
class WorkerApplicationSecretsTests {

	@Test
	void productionRefusesToStartWithoutPostgresPassword() {
		assertThatException().isThrownBy(() -> run("production", "", "redis-secret"))
			.havingRootCause()
			.withMessageContaining("POSTGRES_PASSWORD must be set")
			.withMessageNotContaining("REDIS_PASSWORD");
	}

	@Test
	void productionRefusesToStartWithBlankRedisPassword() {
		assertThatException().isThrownBy(() -> run("production", "pg-secret", "  "))
			.havingRootCause()
			.withMessageContaining("REDIS_PASSWORD must be set")
			.withMessageNotContaining("POSTGRES_PASSWORD");
	}

	@Test
	void productionStartsWithBothSecrets() {
		try (ConfigurableApplicationContext context = run("production", "pg-secret", "redis-secret")) {
			assertThat(context.getBeansOfType(ProductionSecrets.class)).hasSize(1);
		}
	}

	@Test
	void otherProfilesDoNotRequireSecrets() {
		try (ConfigurableApplicationContext context = run("default", "", "")) {
			assertThat(context.getBeansOfType(ProductionSecrets.class)).isEmpty();
		}
	}

	private static ConfigurableApplicationContext run(String profile, String postgresPassword, String redisPassword) {
		return SpringApplication.run(WorkerApplication.class, "--spring.main.web-application-type=none",
				"--protostar.queue.enabled=false", "--spring.profiles.active=" + profile,
				"--POSTGRES_PASSWORD=" + postgresPassword,
				"--REDIS_PASSWORD=" + redisPassword);
	}

}
