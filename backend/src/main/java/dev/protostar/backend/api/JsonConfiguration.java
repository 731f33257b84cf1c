package dev.protostar.backend.api;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.type.LogicalType;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

	/**
	 * Request bodies are read strictly: a client that sends a field we do not
	 * know, a number where text belongs or garbage after the object has a bug
	 * we want it to hear about (400) instead of a request silently half
	 * understood. Jackson's defaults (and Boot's) are lenient on all of these.
	 */
	@Bean
	JsonMapperBuilderCustomizer strictRequestBodies() {
		return (builder) -> builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
			.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
			.enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
			// "email": 42 or "email": true is not an email that happens to be
			// written without quotes.
			.withCoercionConfig(LogicalType.Textual, (config) -> config
				.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
				.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
				.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
			// "tier": "" is not a missing tier.
			.withCoercionConfig(LogicalType.Enum,
					(config) -> config.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail));
	}

}
