package dev.protostar.worker.storage;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.util.Set;

import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;

import dev.protostar.contract.storage.MinioClients;
import dev.protostar.contract.storage.StorageProperties;

/**
 * {@link ObjectStorage} with the MinIO Java SDK, which speaks plain S3 (path-style
 * requests, so any S3-compatible server works).
 */
public class MinioObjectStorage implements ObjectStorage {

	/** S3 error codes that mean "not there": a retry will not change them. */
	private static final Set<String> MISSING = Set.of("NoSuchKey", "NoSuchBucket", "NoSuchObject", "NotFound");

	private final MinioClient client;

	private final String bucket;

	public MinioObjectStorage(MinioClient client, String bucket) {
		this.client = client;
		this.bucket = bucket;
	}

	public static MinioObjectStorage of(StorageProperties properties) {
		return new MinioObjectStorage(MinioClients.create(properties), properties.bucket());
	}

	public String bucket() {
		return this.bucket;
	}

	@Override
	public InputStream open(String key, long maxBytes) throws IOException {
		String what = "object '" + key + "' in bucket '" + this.bucket + "'";
		try {
			StatObjectResponse stat = this.client
				.statObject(StatObjectArgs.builder().bucket(this.bucket).object(key).build());
			if (stat.size() > maxBytes) {
				throw new ObjectTooLargeException(
						what + " has " + stat.size() + " bytes, more than the limit of " + maxBytes);
			}
			InputStream in = this.client.getObject(GetObjectArgs.builder().bucket(this.bucket).object(key).build());
			return new LimitedInputStream(in, maxBytes, what);
		}
		catch (ErrorResponseException ex) {
			String code = ex.errorResponse().code();
			if (MISSING.contains(code) || ex.response().code() == 404) {
				throw new ObjectNotFoundException(what + " does not exist (" + code + ")");
			}
			throw new IOException("reading " + what + " failed: " + code + " " + ex.getMessage(), ex);
		}
		catch (MinioException | GeneralSecurityException ex) {
			throw new IOException("reading " + what + " failed: " + ex, ex);
		}
	}

}
