package dev.protostar.backend.system;

/**
 * A failure a feature reports to the client as it is: the code and the message
 * end up in the envelope unchanged, so the message must be safe to show.
 */
public class ApiException extends RuntimeException {

	private final ResultCode resultCode;

	public ApiException(ResultCode resultCode, String message) {
		super(message);
		this.resultCode = resultCode;
	}

	public ResultCode resultCode() {
		return this.resultCode;
	}

}
