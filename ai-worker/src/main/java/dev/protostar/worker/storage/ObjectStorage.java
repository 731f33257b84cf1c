package dev.protostar.worker.storage;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where uploaded documents live (MinIO in production, any S3-compatible server). The
 * backend writes objects; the worker only reads them.
 */
public interface ObjectStorage {

	/**
	 * Opens an object for reading. The stream ends with an {@link ObjectTooLargeException}
	 * rather than yield more than {@code maxBytes}, even if the object grew after it was
	 * looked at.
	 * @throws ObjectNotFoundException when there is no such object (or bucket)
	 * @throws ObjectTooLargeException when the object is larger than {@code maxBytes}
	 * @throws IOException when the storage cannot be reached or fails (worth a retry)
	 */
	InputStream open(String key, long maxBytes) throws IOException;

	/** Reads a whole object of at most {@code maxBytes}; see {@link #open(String, long)}. */
	default byte[] read(String key, long maxBytes) throws IOException {
		try (InputStream in = open(key, maxBytes)) {
			return in.readAllBytes();
		}
	}

}
