package dev.protostar.worker.storage;

import java.io.IOException;

/** The object is larger than the reader allows: no retry makes it smaller. */
public class ObjectTooLargeException extends IOException {

	public ObjectTooLargeException(String message) {
		super(message);
	}

}
