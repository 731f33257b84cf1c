package dev.protostar.backend.system;

import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import dev.protostar.contract.secrets.ProductionSecrets;

/**
 * Fails startup in production when a secret is missing, instead of connecting
 * with an empty password (which the development defaults allow); the report
 * names each variable to set. The worker checks its own list the same way.
 * <ul>
 * <li>{@code JWT_SECRET}: elsewhere a random key is used, which would log
 * everyone out at each deploy and make the two colours refuse each other's
 * tokens (its length is checked in every profile, see AuthProperties).</li>
 * <li>{@code PROTOSTAR_S3_ACCESS_KEY}, {@code PROTOSTAR_S3_SECRET_KEY}: document
 * uploads need object storage, and anonymous access to it would be a
 * misconfiguration (the backend still starts when storage is merely
 * unreachable).</li>
 * </ul>
 */
@Component
@Profile("production")
class ProductionSecretsCheck {

	static final ProductionSecrets REQUIRED = new ProductionSecrets("POSTGRES_PASSWORD", "REDIS_PASSWORD",
			"JWT_SECRET", "PROTOSTAR_S3_ACCESS_KEY", "PROTOSTAR_S3_SECRET_KEY");

	ProductionSecretsCheck(Environment environment) {
		REQUIRED.check(environment::getProperty);
	}

}
