package dev.protostar.worker.storage;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

	@Bean
	MinioObjectStorage objectStorage(StorageProperties properties) {
		return MinioObjectStorage.of(properties);
	}

}
