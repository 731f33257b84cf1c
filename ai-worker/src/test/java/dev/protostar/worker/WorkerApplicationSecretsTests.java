package dev.protostar.worker;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import dev.protostar.contract.crypto.DataCipher;
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

	/** 32 bytes, in base64. */
	private static final String DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

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

	@Test
	void theDataKeysOfTheEnvironmentMakeTheCipher() {
		try (ConfigurableApplicationContext context = run("production", "pg-secret", "redis-secret",
				"--DATA_ENCRYPTION_KEYS=old:" + DATA_KEY + ",new:" + DATA_KEY.toLowerCase(),
				"--DATA_ENCRYPTION_ACTIVE_KEY=new")) {
			assertThat(context.getBean(DataCipher.class)).hasToString("DataCipher[keys=[old, new], active=new]");
		}
	}

	@Test
	void aMalformedDataKeyStopsTheStartNamingTheVariableAndNoKey() {
		assertThatException()
			.isThrownBy(() -> run("default", "", "", "--DATA_ENCRYPTION_KEYS=old:" + DATA_KEY.substring(8)))
			.havingRootCause()
			.withMessage("DATA_ENCRYPTION_KEYS: key 'old' is 26 bytes; AES-256 needs 32 (e.g. `openssl rand -base64 32`)");
	}

	private static ConfigurableApplicationContext run(String profile, String postgresPassword, String redisPassword,
			String... more) {
		List<String> arguments = new ArrayList<>(List.of("--spring.main.web-application-type=none",
				"--protostar.queue.enabled=false", "--spring.profiles.active=" + profile,
				"--POSTGRES_PASSWORD=" + postgresPassword, "--REDIS_PASSWORD=" + redisPassword));
		arguments.addAll(List.of(more));
		return SpringApplication.run(WorkerApplication.class, arguments.toArray(String[]::new));
	}

}
