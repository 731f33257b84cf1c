package dev.protostar.worker.ingestion;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import dev.protostar.worker.embedding.EmbeddingProperties;
import dev.protostar.worker.embedding.EmbeddingProvider;
import dev.protostar.worker.queue.JobQueue;
import dev.protostar.worker.retrieval.LexemeColumn;
import dev.protostar.worker.storage.ObjectStorage;

/** The {@code ingestion} job handler and what it is made of. */
@Configuration(proxyBeanMethods = false)
class IngestionConfiguration {

	@Bean
	IngestionRepository ingestionRepository(JdbcTemplate jdbc, TransactionTemplate transactions,
			LexemeColumn lexemes) {
		return new IngestionRepository(jdbc, transactions, lexemes);
	}

	@Bean
	VectorIndexes vectorIndexes(JdbcTemplate jdbc, EmbeddingProperties properties) {
		return new VectorIndexes(jdbc, properties.createIndex());
	}

	@Bean
	IngestionJobHandler ingestionJobHandler(IngestionRepository documents, ObjectStorage storage,
			EmbeddingProvider embeddings, VectorIndexes indexes, IngestionProperties properties) {
		return new IngestionJobHandler(documents, storage, new TextExtractor(properties.parseLimits()),
				new Chunker(properties.chunkSize(), properties.chunkOverlap()), embeddings, indexes,
				properties.maxBytes().toBytes());
	}

	@Bean
	ReembedOnStart reembedOnStart(IngestionRepository documents, EmbeddingProvider embeddings,
			ObjectProvider<JobQueue> queue, IngestionProperties properties) {
		JobQueue jobQueue = queue.getIfAvailable();
		return (properties.reembedOnStart() && jobQueue != null) ? new ReembedOnStart(documents, embeddings, jobQueue)
				: null;
	}

}
