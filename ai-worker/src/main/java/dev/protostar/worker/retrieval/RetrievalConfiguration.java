package dev.protostar.worker.retrieval;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.worker.embedding.EmbeddingProperties;
import dev.protostar.worker.embedding.EmbeddingProvider;

/** The {@link Retriever} chat answers draw on, and the lexical index's upkeep. */
@Configuration(proxyBeanMethods = false)
class RetrievalConfiguration {

	@Bean
	LexemeColumn lexemeColumn(JdbcTemplate jdbc) {
		return new LexemeColumn(jdbc);
	}

	@Bean
	CommonTerms commonTerms(JdbcTemplate jdbc, RetrievalProperties properties) {
		return new CommonTerms(jdbc, properties.commonTermChunks());
	}

	@Bean
	HybridRetriever hybridRetriever(JdbcTemplate jdbc, TransactionTemplate transactions, EmbeddingProvider embeddings,
			LexemeColumn lexemes, CommonTerms commonTerms, RetrievalProperties properties,
			EmbeddingProperties embedding) {
		return new HybridRetriever(jdbc, transactions, embeddings, lexemes, commonTerms, properties,
				cjkVectorWeight(properties, embedding.provider()));
	}

	/** The configured weight, else what suits the provider's kind of model. */
	static double cjkVectorWeight(RetrievalProperties properties, EmbeddingProperties.Provider provider) {
		if (properties.cjkVectorWeight() != null) {
			return properties.cjkVectorWeight();
		}
		return (provider == EmbeddingProperties.Provider.ONNX) ? 0 : 1;
	}

	@Bean
	LexicalUpkeep lexicalUpkeep(JdbcTemplate jdbc, TransactionTemplate transactions, LexemeColumn lexemes,
			CommonTerms commonTerms, RetrievalProperties properties) {
		return new LexicalUpkeep(jdbc, transactions, lexemes, commonTerms, properties.backfillBatch(),
				properties.upkeepInterval());
	}

}
