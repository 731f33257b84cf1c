package dev.protostar.backend;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.protostar.contract.crypto.DataEncryptionConfiguration;
import dev.protostar.contract.secrets.ProductionSecrets;

@SpringBootApplication
@ConfigurationPropertiesScan
// The cipher of conversation data at rest, configured exactly as the worker's.
@Import(DataEncryptionConfiguration.class)
// Background work of every instance: the audit purge, the question reconciler. Each
// is safe when both colours run it at once (see the classes).
@EnableScheduling
public class BackendApplication {

	public static void main(String[] args) {
		SpringApplication.run(BackendApplication.class, args);
	}

	/** The time, replaceable in tests (token expiry, tier promotion). */
	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	/**
	 * The secrets the backend cannot run without in production; the start fails
	 * naming each one missing. Besides the passwords: {@code JWT_SECRET}, since
	 * elsewhere a random key is used, which would log everyone out at each
	 * deploy and make the two colors refuse each other's tokens (its length is
	 * checked in every profile, see AuthProperties); and the S3 keys, since
	 * uploads need object storage and anonymous access to it would be a
	 * misconfiguration (the backend still starts when storage is merely
	 * unreachable).
	 */
	@Bean
	@Profile("production")
	ProductionSecrets productionSecrets(Environment environment) {
		return new ProductionSecrets("POSTGRES_PASSWORD", "REDIS_PASSWORD", "JWT_SECRET", "PROTOSTAR_S3_ACCESS_KEY",
				"PROTOSTAR_S3_SECRET_KEY")
			.check(environment::getProperty);
	}

}
