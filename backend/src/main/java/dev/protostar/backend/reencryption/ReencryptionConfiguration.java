package dev.protostar.backend.reencryption;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.protostar.contract.crypto.DataCipher;

/** The background re-encryption; off with {@code protostar.reencryption.enabled=false}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "protostar.reencryption.enabled", havingValue = "true", matchIfMissing = true)
class ReencryptionConfiguration {

	@Bean
	Reencryption reencryption(JdbcClient jdbc, DataCipher cipher, StringRedisTemplate redis,
			ReencryptionProperties properties) {
		return new Reencryption(new ReencryptionRepository(jdbc), cipher, redis, properties);
	}

}
