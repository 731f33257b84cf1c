package dev.protostar.worker.embedding;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The embedding provider chosen by {@code protostar.embedding.provider}. */
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

}
