package dev.protostar.contract.storage;

import java.time.Duration;

import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The object storage holding uploaded documents (MinIO in production; any S3-compatible
 * server), under {@code protostar.s3}: the backend writes each document there, the
 * worker reads it back, so both bind these same settings from the same variables
 * ({@code PROTOSTAR_S3_*}, see each application.properties). Each application enables
 * them with {@code @EnableConfigurationProperties}.
 *
 * @param endpoint the S3 endpoint URL, e.g. {@code http://minio:9000}
 * @param accessKey the access key id; required in the production profile
 * @param secretKey the secret key; required in the production profile (the backend's)
 * @param bucket the bucket documents are uploaded to
 * @param region the bucket's region; blank: asked from the server (MinIO answers
 * {@code us-east-1})
 * @param createBucket whether the backend creates the bucket when it is missing (at
 * start-up and, if storage was away then, at the first upload); off where the
 * credentials may only write objects. The worker never creates it.
 * @param connectTimeout how long to wait for a connection to the storage; an
 * unreachable storage makes an upload answer 503, and an ingestion retry, after at most
 * this long
 * @param requestTimeout how long a read or write on that connection may stall
 */
@Validated
@ConfigurationProperties("protostar.s3")
public record StorageProperties(@DefaultValue("http://localhost:9000") @NotBlank String endpoint,
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
