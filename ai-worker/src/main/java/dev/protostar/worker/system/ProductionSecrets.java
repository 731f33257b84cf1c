package dev.protostar.worker.system;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Profile;
import org.springframework.validation.annotation.Validated;

/**
 * Fails startup in production when a secret is missing, instead of connecting
 * with an empty password (which the development defaults allow). Bound in
 * application-production.properties; the messages name the variable to set.
 * Deliberately duplicated from the backend: too small for a shared module.
 *
 * @param postgresPassword value of {@code POSTGRES_PASSWORD}
 * @param redisPassword value of {@code REDIS_PASSWORD}
 */
@Profile("production")
@Validated
@ConfigurationProperties("protostar.production-secrets")
record ProductionSecrets(
		@NotBlank(message = "POSTGRES_PASSWORD must be set in the production profile") String postgresPassword,
		@NotBlank(message = "REDIS_PASSWORD must be set in the production profile") String redisPassword) {

	@Override
	public String toString() {
		// Keep the values out of logs and failure reports.
		return "ProductionSecrets[postgresPassword=***, redisPassword=***]";
	}

}
