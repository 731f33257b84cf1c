package dev.protostar.backend.server;

import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * The training run of the image's class data sharing archive (backend/Dockerfile,
 * scripts/docker/cds-archive): the image is built with no PostgreSQL, Redis or object
 * storage, and the run stops once the context is refreshed, so that every bean is
 * created as in production (its classes go into the archive) but nothing is started.
 * Only Flyway would reach the network before that point, to migrate; here it is
 * configured as usual and migrates nothing. The other connections (the Hikari and
 * Jedis pools, the event subscription) are made on first use or when the lifecycle
 * starts, which the training run never reaches.
 */
@Configuration(proxyBeanMethods = false)
@Profile("cds-training")
class ClassDataSharingTraining {

	@Bean
	FlywayMigrationStrategy noMigrationWhileTraining() {
		return (flyway) -> {
		};
	}

}
