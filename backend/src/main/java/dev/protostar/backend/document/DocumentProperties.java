package dev.protostar.backend.document;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Document uploads, under {@code protostar.documents} (see application.properties).
 *
 * @param maxBytes the largest file accepted (env {@code PROTOSTAR_INGESTION_MAX_BYTES},
 * default 50MB): the very variable that sets the ai-worker's download limit, so that
 * every accepted upload is one the worker will read; larger ones are answered 413
 * @param ingestionMaxAttempts attempts an ingestion job gets before it is
 * dead-lettered (the worker marks the document failed with the last error)
 */
@Validated
@ConfigurationProperties("protostar.documents")
record DocumentProperties(@DefaultValue("50MB") DataSize maxBytes,
		@DefaultValue("5") @Min(1) @Max(20) int ingestionMaxAttempts) {
}
