package dev.protostar.backend.reencryption;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The background re-encryption, under {@code protostar.reencryption} (env
 * {@code PROTOSTAR_REENCRYPTION_*}).
 *
 * @param enabled whether this instance re-encrypts at all (with no active data key it has
 * nothing to do either way)
 * @param interval the pause after a pass that found nothing left (a pass that did work is
 * followed by the next at once). Passes also run soon after the start and whenever
 * {@code protostar keys} asks (after a rotation); the periodic ones only catch what a
 * colour still on older settings wrote meanwhile, and each reads the encrypted columns
 * whole, so they are rare
 * @param batchSize rows read, decrypted, re-encrypted and written per round trip
 * @param pause between two batches, so a large backlog does not crowd out the answers
 */
@ConfigurationProperties("protostar.reencryption")
@Validated
record ReencryptionProperties(@DefaultValue("true") boolean enabled, @DefaultValue("1h") Duration interval,
		@DefaultValue("500") @Min(1) @Max(10_000) int batchSize, @DefaultValue("50ms") Duration pause) {
}
