package dev.protostar.backend.document;

import java.time.Duration;

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
 * @param reconcileAfter a document whose ingestion has not moved (waiting, parsing or
 * embedding) for this long is checked for its job, which Redis may have lost
 * (DocumentReconciler); long enough that the upload that stored it has enqueued it
 * @param reconcileInterval the pause between two checks
 */
@Validated
@ConfigurationProperties("protostar.documents")
record DocumentProperties(@DefaultValue("50MB") DataSize maxBytes,
		@DefaultValue("5") @Min(1) @Max(20) int ingestionMaxAttempts,
		@DefaultValue("2m") Duration reconcileAfter, @DefaultValue("1m") Duration reconcileInterval) {

	DocumentProperties {
		if (reconcileAfter.compareTo(Duration.ofSeconds(30)) < 0) {
			throw new IllegalArgumentException("protostar.documents.reconcile-after"
					+ " must be at least 30s, so a document is not enqueued while its upload still runs; got "
					+ reconcileAfter);
		}
	}

}
