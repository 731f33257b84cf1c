package dev.protostar.backend.api;

/**
 * The envelope of every JSON response of the public API, so that clients can
 * branch on {@code resultCode} the same way for successes and errors.
 *
 * @param resultCode machine-readable outcome, {@code OK} on success, otherwise
 * one of {@link ResultCode} (or {@code DRILL_FAULT} from a drill image)
 * @param data payload, {@code null} on errors
 * @param message human-readable explanation, {@code null} on success
 * @param <T> payload type
 */
public record ApiResponse<T>(String resultCode, T data, String message) {

	public static final String OK = "OK";

	public static <T> ApiResponse<T> ok(T data) {
		return new ApiResponse<>(OK, data, null);
	}

	public static ApiResponse<Void> error(ResultCode code, String message) {
		return new ApiResponse<>(code.name(), null, message);
	}

}
