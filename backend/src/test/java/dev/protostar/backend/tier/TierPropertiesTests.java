package dev.protostar.backend.tier;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

import dev.protostar.contract.access.DocumentAccess;

import static org.assertj.core.api.Assertions.assertThat;

class TierPropertiesTests {

	/**
	 * Every chat job carries the asker's level; a worker falls back on the contract's
	 * defaults only for a payload without one (an older producer's). Both must say the
	 * same, or such a job would be answered from other documents than the tier's.
	 */
	@Test
	void eachTiersConfiguredDocumentAccessIsTheContractsDefault() throws IOException {
		List<PropertySource<?>> defaults = new PropertiesPropertySourceLoader().load("application.properties",
				new ClassPathResource("application.properties"));
		// Placeholders resolved as at run time (the promotion switch is ${PROTOSTAR_TIER_AUTO_PROMOTION:false}).
		TierProperties tiers = new Binder(ConfigurationPropertySources.from(defaults),
				new PropertySourcesPlaceholdersResolver(defaults))
			.bind("protostar.tiers", TierProperties.class)
			.get();
		for (Tier tier : Tier.values()) {
			assertThat(tiers.limitsOf(tier).documentAccess()).as(tier.name())
				.isEqualTo(DocumentAccess.defaultForRole(tier.name()).orElseThrow());
		}
	}

}
