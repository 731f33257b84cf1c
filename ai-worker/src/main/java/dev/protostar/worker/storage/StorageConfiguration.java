package dev.protostar.worker.storage;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.protostar.contract.storage.StorageProperties;

/** Where documents are read from: the storage the backend uploads them to. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StorageProperties.class)
class StorageConfiguration {

	@Bean
	MinioObjectStorage objectStorage(StorageProperties properties) {
		return MinioObjectStorage.of(properties);
	}

}
