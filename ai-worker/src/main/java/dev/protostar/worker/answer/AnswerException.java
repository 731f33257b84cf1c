package dev.protostar.worker.answer;

import dev.protostar.worker.queue.PublicFailure;

/**
 * A provider could not answer. Three kinds, each with the backend's result code:
 * <ul>
 * <li>{@link #unavailable}: the endpoint is unreachable, timed out, answered 5xx, cut
 * the stream or sent something unreadable; another try may work
 * ({@code SERVICE_UNAVAILABLE}). Counts against the circuit breaker.</li>
 * <li>{@link #rateLimited}: it said 429; another try later may work
 * ({@code RATE_LIMITED}). Counts against the breaker too (a quota that stays
 * exhausted should not be hammered).</li>
 * <li>{@link #misconfigured}: it refused the request itself (bad key, unknown model, a
 * URL that is not such an API): nothing but the operator can fix it
 * ({@code INTERNAL_ERROR}, not retryable).</li>
 * </ul>
 * The message is for logs and operators; {@link #publicMessage()} is what users see.
 */
public class AnswerException extends RuntimeException implements PublicFailure {

	private final String resultCode;

	private final boolean retryable;

	private final String publicMessage;

	private AnswerException(String message, String resultCode, boolean retryable, String publicMessage,
			Throwable cause) {
		super(message, cause);
		this.resultCode = resultCode;
		this.retryable = retryable;
		this.publicMessage = publicMessage;
	}

	public static AnswerException unavailable(String message, Throwable cause) {
		return new AnswerException(message, "SERVICE_UNAVAILABLE", true,
				"the answer service is unavailable right now", cause);
	}

	public static AnswerException rateLimited(String message) {
		return new AnswerException(message, "RATE_LIMITED", true, "the answer service is busy right now", null);
	}

	public static AnswerException misconfigured(String message) {
		return new AnswerException(message, "INTERNAL_ERROR", false,
				"the answer service is misconfigured; an administrator has to fix it", null);
	}

	@Override
	public String resultCode() {
		return this.resultCode;
	}

	@Override
	public String publicMessage() {
		return this.publicMessage;
	}

	/** Whether another attempt may succeed (false only for {@link #misconfigured}). */
	public boolean retryable() {
		return this.retryable;
	}

}
