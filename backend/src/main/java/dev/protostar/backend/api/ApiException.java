package dev.protostar.backend.api;

/**
 * A failure a feature reports to the client as it is: the code and the message
 * end up in the envelope unchanged, so the message must be safe to show.
 */
public class ApiException extends RuntimeException {

	private final ResultCode resultCode;

	private final Long retryAfterSeconds;

	public ApiException(ResultCode resultCode, String message) {
		this(resultCode, message, null);
	}

	/**
	 * @param retryAfterSeconds sent as {@code Retry-After} (for 429 and 503), or null
	 */
	public ApiException(ResultCode resultCode, String message, Long retryAfterSeconds) {
		super(message);
		this.resultCode = resultCode;
		this.retryAfterSeconds = retryAfterSeconds;
	}

	public ResultCode resultCode() {
		return this.resultCode;
	}

	public Long retryAfterSeconds() {
		return this.retryAfterSeconds;
	}

}
