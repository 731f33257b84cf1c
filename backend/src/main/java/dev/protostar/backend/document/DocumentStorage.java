package dev.protostar.backend.document;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

import dev.protostar.contract.storage.StorageProperties;

/**
 * The documents bucket, through the MinIO Java SDK (plain S3, path-style, so any
 * S3-compatible server works). The backend writes and deletes objects; the
 * ai-worker reads them. Every failure is a {@link StorageUnavailableException}:
 * the callers answer 503 and leave nothing behind.
 * <p>
 * The bucket is created when missing (if allowed): at start-up, and again before
 * the first upload when storage was away at start-up. Storage being away never
 * stops the backend from starting: chat does not need it.
 */
class DocumentStorage {

	private static final Log logger = LogFactory.getLog(DocumentStorage.class);

	private final MinioClient client;

	private final StorageProperties properties;

	private final AtomicBoolean bucketReady = new AtomicBoolean();

	DocumentStorage(MinioClient client, StorageProperties properties) {
		this.client = client;
		this.properties = properties;
	}

	String bucket() {
		return this.properties.bucket();
	}

	@EventListener(ApplicationReadyEvent.class)
	void prepareBucket() {
		try {
			ensureBucket();
		}
		catch (StorageUnavailableException ex) {
			logger.warn("Object storage " + this.properties.endpoint() + " is not usable yet (tried again at the"
					+ " first upload; uploads answer 503 meanwhile): " + ex.getMessage());
		}
	}

	/** Makes sure the bucket exists (creating it if allowed); checked once per process when it does. */
	void ensureBucket() {
		if (this.bucketReady.get()) {
			return;
		}
		String bucket = this.properties.bucket();
		try {
			if (!this.client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
				if (!this.properties.createBucket()) {
					throw new StorageUnavailableException("bucket '" + bucket
							+ "' does not exist and protostar.s3.create-bucket is off", null);
				}
				try {
					this.client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
					logger.info("Created the documents bucket '" + bucket + "'");
				}
				catch (ErrorResponseException ex) {
					// The other colour (or a worker) created it meanwhile: fine.
					String code = ex.errorResponse().code();
					if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
						throw ex;
					}
				}
			}
			this.bucketReady.set(true);
		}
		catch (MinioException | GeneralSecurityException | IOException ex) {
			throw new StorageUnavailableException("bucket '" + bucket + "': " + describe(ex), ex);
		}
	}

	/** Stores an object of a known size (streamed, never held in memory whole). */
	void put(String key, InputStream content, long size, String contentType) {
		ensureBucket();
		try {
			this.client.putObject(PutObjectArgs.builder()
				.bucket(this.properties.bucket())
				.object(key)
				.stream(content, size, -1)
				.contentType(contentType)
				.build());
		}
		catch (MinioException | GeneralSecurityException | IOException ex) {
			throw new StorageUnavailableException("storing object '" + key + "': " + describe(ex), ex);
		}
	}

	/** Removes an object; removing one that is not there succeeds (S3 semantics). */
	void delete(String key) {
		try {
			this.client.removeObject(RemoveObjectArgs.builder().bucket(this.properties.bucket()).object(key).build());
		}
		catch (MinioException | GeneralSecurityException | IOException ex) {
			throw new StorageUnavailableException("deleting object '" + key + "': " + describe(ex), ex);
		}
	}

	/** Whether the object exists (tests and diagnostics). */
	boolean exists(String key) {
		try {
			this.client.statObject(StatObjectArgs.builder().bucket(this.properties.bucket()).object(key).build());
			return true;
		}
		catch (ErrorResponseException ex) {
			if (ex.response() != null && ex.response().code() == 404) {
				return false;
			}
			throw new StorageUnavailableException("looking up object '" + key + "': " + describe(ex), ex);
		}
		catch (MinioException | GeneralSecurityException | IOException ex) {
			throw new StorageUnavailableException("looking up object '" + key + "': " + describe(ex), ex);
		}
	}

	private static String describe(Exception ex) {
		if (ex instanceof ErrorResponseException response) {
			return response.errorResponse().code() + " " + response.errorResponse().message();
		}
		return ex.toString();
	}

	/** Object storage cannot be reached or refused the operation. */
	static class StorageUnavailableException extends RuntimeException {

		StorageUnavailableException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
