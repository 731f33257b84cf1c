package dev.protostar.worker.ingestion;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Parse limits as the worker binds them: the defaults of {@link IngestionProperties},
 * with the given protostar.ingestion.* settings changed.
 */
final class TestLimits {

	private TestLimits() {
	}

	/** @param settings names and values, e.g. {@code "max-pages", "10"} */
	static ParseLimits limits(String... settings) {
		return properties(settings).parseLimits();
	}

	static IngestionProperties properties(String... settings) {
		Map<String, String> values = new LinkedHashMap<>();
		for (int i = 0; i < settings.length; i += 2) {
			values.put("protostar.ingestion." + settings[i], settings[i + 1]);
		}
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("protostar.ingestion",
				IngestionProperties.class);
	}

}
