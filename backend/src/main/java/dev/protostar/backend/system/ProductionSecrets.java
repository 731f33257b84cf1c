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
 * @param s3AccessKey value of {@code PROTOSTAR_S3_ACCESS_KEY}: document uploads
 * need object storage, and anonymous access to it would be a misconfiguration
 * (the backend still starts when storage is merely unreachable)
 * @param s3SecretKey value of {@code PROTOSTAR_S3_SECRET_KEY}
 */
@Profile("production")
@Validated
@ConfigurationProperties("protostar.production-secrets")
record ProductionSecrets(
		@NotBlank(message = "POSTGRES_PASSWORD must be set in the production profile") String postgresPassword,
		@NotBlank(message = "REDIS_PASSWORD must be set in the production profile") String redisPassword,
		@NotBlank(message = "JWT_SECRET must be set in the production profile") String jwtSecret,
		@NotBlank(message = "PROTOSTAR_S3_ACCESS_KEY must be set in the production profile") String s3AccessKey,
		@NotBlank(message = "PROTOSTAR_S3_SECRET_KEY must be set in the production profile") String s3SecretKey) {

	@Override
	public String toString() {
		// Keep the values out of logs and failure reports.
		return "ProductionSecrets[postgresPassword=***, redisPassword=***, jwtSecret=***, s3AccessKey=***,"
				+ " s3SecretKey=***]";
	}

}
