package dev.protostar.worker.system;

import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import dev.protostar.contract.secrets.ProductionSecrets;

/**
 * Fails startup in production when a secret is missing, instead of connecting with an
 * empty password (which the development defaults allow); the report names each variable
 * to set. The backend checks its own list the same way.
 */
@Component
@Profile("production")
class ProductionSecretsCheck {

	static final ProductionSecrets REQUIRED = new ProductionSecrets("POSTGRES_PASSWORD", "REDIS_PASSWORD");

	ProductionSecretsCheck(Environment environment) {
		REQUIRED.check(environment::getProperty);
	}

}
