package dev.protostar.worker.storage;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Object storage for uploaded documents (environment: PROTOSTAR_S3_*, see
 * application.properties).
 *
 * @param endpoint the S3 endpoint URL, e.g. {@code http://minio:9000}
 * @param accessKey the access key id
 * @param secretKey the secret key; the production profile refuses to start without it
 * @param bucket the bucket the backend uploads documents to
 * @param region the bucket's region; blank: asked from the server (MinIO answers
 * {@code us-east-1})
 */
@Validated
@ConfigurationProperties("protostar.s3")
public record StorageProperties(
		@DefaultValue("http://localhost:9000") @NotBlank String endpoint,
		@DefaultValue("") String accessKey,
		@DefaultValue("") String secretKey,
		@DefaultValue("documents") @NotBlank String bucket,
		@DefaultValue("us-east-1") String region) {
}
