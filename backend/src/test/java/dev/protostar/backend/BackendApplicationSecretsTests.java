package dev.protostar.backend;

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
 * Starts the real application (without a web server and without Flyway; no
 * database or Redis is contacted at startup then) so that the profile, the
 * environment and the check are all exercised together. Command-line arguments
 * win over environment variables, so the outcome does not depend on the
 * caller's env.
 */
class BackendApplicationSecretsTests {

	private static final String JWT_SECRET = "0123456789abcdef0123456789abcdef";

	/** 32 bytes, in base64. */
	private static final String DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

	@Test
	void productionRefusesToStartWithoutPostgresPassword() {
		assertThatException().isThrownBy(() -> run("production", "", "redis-secret", JWT_SECRET))
			.havingRootCause()
			.withMessageContaining("POSTGRES_PASSWORD must be set")
			.withMessageNotContaining("REDIS_PASSWORD");
	}

	@Test
	void productionRefusesToStartWithBlankRedisPassword() {
		assertThatException().isThrownBy(() -> run("production", "pg-secret", "  ", JWT_SECRET))
			.havingRootCause()
			.withMessageContaining("REDIS_PASSWORD must be set")
			.withMessageNotContaining("POSTGRES_PASSWORD");
	}

	@Test
	void productionStartsWithBothSecrets() {
		try (ConfigurableApplicationContext context = run("production", "pg-secret", "redis-secret", JWT_SECRET)) {
			assertThat(context.getBeansOfType(ProductionSecrets.class)).hasSize(1);
		}
	}

	@Test
	void otherProfilesDoNotRequireSecrets() {
		try (ConfigurableApplicationContext context = run("default", "", "", "")) {
			assertThat(context.getBeansOfType(ProductionSecrets.class)).isEmpty();
		}
	}

	@Test
	void productionRefusesToStartWithoutJwtSecret() {
		assertThatException().isThrownBy(() -> run("production", "pg-secret", "redis-secret", ""))
			.havingRootCause()
			.withMessageContaining("JWT_SECRET must be set")
			.withMessageNotContaining("POSTGRES_PASSWORD");
	}

	@Test
	void productionRefusesToStartWithShortJwtSecret() {
		assertThatException().isThrownBy(() -> run("production", "pg-secret", "redis-secret", "x".repeat(31)))
			.havingRootCause()
			.withMessageContaining("JWT_SECRET must be at least 32 bytes");
	}

	@Test
	void otherProfilesRefuseShortJwtSecretToo() {
		assertThatException().isThrownBy(() -> run("default", "", "", "short-secret"))
			.havingRootCause()
			.withMessageContaining("JWT_SECRET must be at least 32 bytes");
	}

	@Test
	void productionRefusesToStartWithoutS3AccessKey() {
		assertThatException()
			.isThrownBy(() -> run("production", "pg-secret", "redis-secret", JWT_SECRET, "", "s3-secret"))
			.havingRootCause()
			.withMessageContaining("PROTOSTAR_S3_ACCESS_KEY must be set")
			.withMessageNotContaining("PROTOSTAR_S3_SECRET_KEY");
	}

	@Test
	void productionRefusesToStartWithoutS3SecretKey() {
		assertThatException()
			.isThrownBy(() -> run("production", "pg-secret", "redis-secret", JWT_SECRET, "s3-access", " "))
			.havingRootCause()
			.withMessageContaining("PROTOSTAR_S3_SECRET_KEY must be set")
			.withMessageNotContaining("PROTOSTAR_S3_ACCESS_KEY");
	}

	@Test
	void theDataKeysOfTheEnvironmentMakeTheCipher() {
		try (ConfigurableApplicationContext context = run("production", "pg-secret", "redis-secret", JWT_SECRET,
				"s3-access", "s3-secret", "--DATA_ENCRYPTION_KEYS=old:" + DATA_KEY + ",new:" + DATA_KEY.toLowerCase(),
				"--DATA_ENCRYPTION_ACTIVE_KEY=new")) {
			assertThat(context.getBean(DataCipher.class)).hasToString("DataCipher[keys=[old, new], active=new]");
		}
		try (ConfigurableApplicationContext context = run("production", "pg-secret", "redis-secret", JWT_SECRET)) {
			assertThat(context.getBean(DataCipher.class).encrypts()).isFalse();
		}
	}

	@Test
	void anActiveDataKeyNotAmongTheKeysStopsTheStartNamingTheVariableAndNoKey() {
		assertThatException()
			.isThrownBy(() -> run("default", "", "", "", "", "", "--DATA_ENCRYPTION_KEYS=old:" + DATA_KEY,
					"--DATA_ENCRYPTION_ACTIVE_KEY=new"))
			.havingRootCause()
			.withMessageStartingWith("DATA_ENCRYPTION_ACTIVE_KEY: 'new' is not among the ids of DATA_ENCRYPTION_KEYS")
			.withMessageNotContaining(DATA_KEY);
	}

	private static ConfigurableApplicationContext run(String profile, String postgresPassword, String redisPassword,
			String jwtSecret) {
		return run(profile, postgresPassword, redisPassword, jwtSecret, "s3-access", "s3-secret");
	}

	private static ConfigurableApplicationContext run(String profile, String postgresPassword, String redisPassword,
			String jwtSecret, String s3AccessKey, String s3SecretKey, String... more) {
		// Flyway off: it is the one part that would contact the database at startup.
		List<String> arguments = new ArrayList<>(List.of("--spring.main.web-application-type=none",
				"--spring.flyway.enabled=false", "--spring.profiles.active=" + profile,
				"--POSTGRES_PASSWORD=" + postgresPassword, "--REDIS_PASSWORD=" + redisPassword,
				"--JWT_SECRET=" + jwtSecret, "--PROTOSTAR_S3_ACCESS_KEY=" + s3AccessKey,
				"--PROTOSTAR_S3_SECRET_KEY=" + s3SecretKey));
		arguments.addAll(List.of(more));
		return SpringApplication.run(BackendApplication.class, arguments.toArray(String[]::new));
	}

}
