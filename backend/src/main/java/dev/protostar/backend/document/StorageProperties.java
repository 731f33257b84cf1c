package dev.protostar.backend.document;

import java.time.Duration;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Object storage for uploaded documents, under {@code protostar.s3}: the same
 * names, variables ({@code PROTOSTAR_S3_*}) and defaults as the ai-worker's
 * StorageProperties, so one set of variables configures writer and reader.
 *
 * @param endpoint the S3 endpoint URL, e.g. {@code http://minio:9000}
 * @param accessKey the access key id; required in the production profile
 * @param secretKey the secret key; required in the production profile
 * @param bucket the bucket documents are uploaded to
 * @param region the bucket's region; blank: asked from the server (MinIO answers
 * {@code us-east-1})
 * @param createBucket whether to create the bucket when it is missing (at start-up
 * and, if storage was away then, at the first upload); off where the credentials may
 * only write objects
 * @param connectTimeout how long to wait for a connection to the storage; an
 * unreachable storage makes uploads answer 503 after at most this long
 * @param requestTimeout how long a read or write on that connection may stall
 */
@Validated
@ConfigurationProperties("protostar.s3")
record StorageProperties(@DefaultValue("http://localhost:9000") @NotBlank String endpoint,
		@DefaultValue("") String accessKey, @DefaultValue("") String secretKey,
		@DefaultValue("documents") @NotBlank String bucket, @DefaultValue("us-east-1") String region,
		@DefaultValue("true") boolean createBucket, @DefaultValue("5s") Duration connectTimeout,
		@DefaultValue("60s") Duration requestTimeout) {

	@Override
	public String toString() {
		// Keep the secret out of logs and failure reports.
		return "StorageProperties[endpoint=" + this.endpoint + ", bucket=" + this.bucket + ", secretKey=***]";
	}

}
