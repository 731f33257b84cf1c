package dev.protostar.contract.storage;

import io.minio.MinioClient;

/** The S3 client both applications talk to the documents' storage with. */
public final class MinioClients {

	private MinioClients() {
	}

	/**
	 * A client for these settings. The SDK speaks plain S3 with path-style requests, so
	 * any S3-compatible server works.
	 */
	public static MinioClient create(StorageProperties properties) {
		MinioClient.Builder builder = MinioClient.builder().endpoint(properties.endpoint());
		// The SDK refuses empty keys; without both it sends unsigned (anonymous) requests,
		// which is what a development setup without keys means: the backend's uploads and
		// the worker's ingestions then fail (and retry) with AccessDenied. The production
		// profile refuses to start without them (ProductionSecrets).
		if (!properties.accessKey().isBlank() && !properties.secretKey().isBlank()) {
			builder.credentials(properties.accessKey(), properties.secretKey());
		}
		if (properties.region() != null && !properties.region().isBlank()) {
			// Without a region the SDK first asks the server for the bucket's location.
			builder.region(properties.region());
		}
		MinioClient client = builder.build();
		// The SDK's default is 5 minutes each: a hung storage would hold an upload request
		// (and its thread), or an ingestion, that long.
		client.setTimeout(properties.connectTimeout().toMillis(), properties.requestTimeout().toMillis(),
				properties.requestTimeout().toMillis());
		return client;
	}

}
