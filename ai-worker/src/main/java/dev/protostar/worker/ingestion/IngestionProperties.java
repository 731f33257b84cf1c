package dev.protostar.worker.ingestion;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How documents are ingested (environment: PROTOSTAR_INGESTION_*, see
 * application.properties).
 *
 * @param maxBytes the largest file the worker downloads; a larger one fails
 * @param maxChars the most characters of text a file may yield (a 50 MB text would be
 * tens of thousands of chunks); a file with more fails
 * @param chunkSize the most characters in a chunk; the default model reads about 256
 * tokens, some 1,000 characters of English
 * @param chunkOverlap characters a chunk repeats from the end of the one before
 * @param reembedOnStart at start-up, enqueue a re-ingestion of every ready document
 * whose embedding model is not the configured one (so switching models re-embeds
 * everything instead of leaving two kinds of vectors)
 */
@Validated
@ConfigurationProperties("protostar.ingestion")
record IngestionProperties(
		@DefaultValue("50MB") DataSize maxBytes,
		@DefaultValue("5000000") @Min(1) long maxChars,
		@DefaultValue("1000") @Min(50) @Max(100000) int chunkSize,
		@DefaultValue("150") @Min(0) int chunkOverlap,
		@DefaultValue("true") boolean reembedOnStart) {
}
