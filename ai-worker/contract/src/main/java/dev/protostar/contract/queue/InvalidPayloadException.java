package dev.protostar.contract.queue;

/**
 * A payload that cannot be read: not JSON, another version, a missing or malformed
 * field, another job's id. Nothing a retry could fix: a worker dead-letters the job.
 */
public class InvalidPayloadException extends RuntimeException {

	InvalidPayloadException(String message) {
		super(message);
	}

}
