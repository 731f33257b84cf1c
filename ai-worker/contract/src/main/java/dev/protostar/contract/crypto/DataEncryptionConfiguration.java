package dev.protostar.contract.crypto;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@link DataCipher} of an application, from {@link DataEncryptionProperties}; both
 * applications import this same configuration, so they read the same variables the
 * same way. Invalid settings stop the start (see
 * {@link InvalidEncryptionSettingsFailureAnalyzer}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DataEncryptionProperties.class)
public class DataEncryptionConfiguration {

	@Bean
	DataCipher dataCipher(DataEncryptionProperties properties) {
		return DataCipher.of(properties.keys(), properties.activeKey());
	}

}
