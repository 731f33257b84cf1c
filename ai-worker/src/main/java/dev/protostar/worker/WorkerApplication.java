package dev.protostar.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;

import dev.protostar.contract.crypto.DataEncryptionConfiguration;
import dev.protostar.contract.secrets.ProductionSecrets;

@SpringBootApplication
@ConfigurationPropertiesScan
// The cipher of conversation data at rest, configured exactly as the backend's.
@Import(DataEncryptionConfiguration.class)
public class WorkerApplication {

	public static void main(String[] args) {
		StopOnSignal.install(SpringApplication.run(WorkerApplication.class, args));
	}

	/**
	 * The secrets the worker cannot run without in production; the start fails naming
	 * each one missing, instead of connecting with an empty password.
	 */
	@Bean
	@Profile("production")
	ProductionSecrets productionSecrets(Environment environment) {
		return new ProductionSecrets("POSTGRES_PASSWORD", "REDIS_PASSWORD").check(environment::getProperty);
	}

}
