package dev.protostar.worker.storage;

import java.io.IOException;

/** The object (or its bucket) does not exist: no retry brings it back. */
public class ObjectNotFoundException extends IOException {

	public ObjectNotFoundException(String message) {
		super(message);
	}

}
