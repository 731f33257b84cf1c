package dev.protostar.backend.api;

import java.io.IOException;

/**
 * A request body that passed its size limit while it was being read (a chunked
 * body declares no length in advance). An IOException because that is all a
 * read may throw; whatever reads the body wraps it, and the controller advice
 * finds it among the causes and answers 413.
 */
public class BodyTooLargeException extends IOException {

	public BodyTooLargeException(long maxBytes) {
		super("request body is larger than " + maxBytes + " bytes");
	}

}
