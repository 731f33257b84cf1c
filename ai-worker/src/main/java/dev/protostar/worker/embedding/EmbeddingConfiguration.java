package dev.protostar.worker.embedding;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedding provider chosen by {@code protostar.embedding.provider}, and pgvector's
 * type on the database connections the vectors travel through.
 */
@Configuration(proxyBeanMethods = false)
class EmbeddingConfiguration {

	@Bean
	EmbeddingProvider embeddingProvider(EmbeddingProperties properties) {
		return switch (properties.provider()) {
			case ONNX -> new OnnxEmbeddingProvider(properties.batchSize(),
					(properties.threads() > 0) ? properties.threads() : Runtime.getRuntime().availableProcessors());
			case OPENAI -> {
				EmbeddingProperties.OpenAi openai = properties.openai();
				if (openai.model().isBlank() || openai.dimension() <= 0) {
					throw new IllegalStateException("protostar.embedding.provider=openai needs"
							+ " PROTOSTAR_EMBEDDING_OPENAI_MODEL and PROTOSTAR_EMBEDDING_OPENAI_DIMENSION");
				}
				yield new OpenAiEmbeddingProvider(openai.baseUrl(), openai.apiKey(), openai.model(),
						openai.dimension(), properties.batchSize(), openai.timeout());
			}
		};
	}

	/**
	 * Registers pgvector's type on every connection of the application's pool
	 * ({@link VectorTypes}). After initialisation: by then Boot has bound
	 * {@code spring.datasource.hikari.*} to the pool, which opens no connection before
	 * its first use.
	 */
	@Bean
	static BeanPostProcessor vectorTypesOnPooledConnections() {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof HikariDataSource pool) {
					VectorTypes.registerOnEveryConnection(pool);
				}
				return bean;
			}

		};
	}

}
