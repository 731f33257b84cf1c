package dev.protostar.worker.queue;

/**
 * A failure that another attempt cannot fix (a malformed payload, a document that does
 * not exist): the job goes to the dead-letter store at once.
 */
public class NonRetryableJobException extends RuntimeException {

	public NonRetryableJobException(String message) {
		super(message);
	}

	public NonRetryableJobException(String message, Throwable cause) {
		super(message, cause);
	}

}
