package dev.protostar.contract.storage;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

class StoragePropertiesTests {

	@Test
	void defaultsAreADevelopmentMinio() {
		StorageProperties properties = bind(Map.of());
		assertThat(properties.endpoint()).isEqualTo("http://localhost:9000");
		assertThat(properties.bucket()).isEqualTo("documents");
		assertThat(properties.region()).isEqualTo("us-east-1");
		assertThat(properties.createBucket()).isTrue();
		assertThat(properties.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
	}

	@Test
	void theSecretStaysOutOfLogs() {
		StorageProperties properties = bind(Map.of("protostar.s3.access-key", "access",
				"protostar.s3.secret-key", "very-secret", "protostar.s3.create-bucket", "false"));
		assertThat(properties.createBucket()).isFalse();
		assertThat(properties.toString()).contains("bucket=documents").doesNotContain("very-secret");
	}

	@Test
	void aClientIsMadeWithAndWithoutKeys() {
		assertThat(MinioClients.create(bind(Map.of()))).isNotNull();
		assertThat(MinioClients.create(bind(Map.of("protostar.s3.access-key", "a", "protostar.s3.secret-key", "s",
				"protostar.s3.region", "")))).isNotNull();
	}

	private static StorageProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("protostar.s3",
				StorageProperties.class);
	}

}
