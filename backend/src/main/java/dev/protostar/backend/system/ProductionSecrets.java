package dev.protostar.backend.system;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Profile;
import org.springframework.validation.annotation.Validated;

/**
 * Fails startup in production when a secret is missing, instead of connecting
 * with an empty password (which the development defaults allow). Bound in
 * application-production.properties; the messages name the variable to set.
 *
 * @param postgresPassword value of {@code POSTGRES_PASSWORD}
 * @param redisPassword value of {@code REDIS_PASSWORD}
 * @param jwtSecret value of {@code JWT_SECRET}; elsewhere a random key is
 * used, which would log everyone out at each deploy and make the two colours
 * refuse each other's tokens (its length is checked in every profile, see
 * AuthProperties)
 */
@Profile("production")
@Validated
@ConfigurationProperties("protostar.production-secrets")
record ProductionSecrets(
		@NotBlank(message = "POSTGRES_PASSWORD must be set in the production profile") String postgresPassword,
		@NotBlank(message = "REDIS_PASSWORD must be set in the production profile") String redisPassword,
		@NotBlank(message = "JWT_SECRET must be set in the production profile") String jwtSecret) {

	@Override
	public String toString() {
		// Keep the values out of logs and failure reports.
		return "ProductionSecrets[postgresPassword=***, redisPassword=***, jwtSecret=***]";
	}

}
