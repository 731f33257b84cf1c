package dev.protostar.backend.api;

import org.springframework.http.HttpStatus;

/**
 * Every {@code resultCode} the public API answers with, and the HTTP status
 * that goes with it. Clients branch on these names, so they are stable: add
 * new ones, never rename or reuse one.
 */
public enum ResultCode {

	OK(HttpStatus.OK),

	// 400: the request itself is wrong.
	BAD_REQUEST(HttpStatus.BAD_REQUEST),
	VALIDATION_FAILED(HttpStatus.BAD_REQUEST),
	MALFORMED_JSON(HttpStatus.BAD_REQUEST),
	UNKNOWN_FIELD(HttpStatus.BAD_REQUEST),

	// 401: who is asking is unknown or not believed.
	UNAUTHENTICATED(HttpStatus.UNAUTHORIZED),
	INVALID_CREDENTIALS(HttpStatus.UNAUTHORIZED),
	INVALID_TOKEN(HttpStatus.UNAUTHORIZED),
	TOKEN_EXPIRED(HttpStatus.UNAUTHORIZED),
	/**
	 * An access token issued before the user's sessions were revoked (a
	 * password change, "sign out everywhere", an admin's revocation): refresh;
	 * if that fails too, sign in again.
	 */
	TOKEN_REVOKED(HttpStatus.UNAUTHORIZED),
	INVALID_REFRESH_TOKEN(HttpStatus.UNAUTHORIZED),
	REFRESH_TOKEN_REUSED(HttpStatus.UNAUTHORIZED),

	FORBIDDEN(HttpStatus.FORBIDDEN),
	/** The current password given to change it is wrong. */
	WRONG_PASSWORD(HttpStatus.FORBIDDEN),
	/** Signup is switched off ({@code PROTOSTAR_SIGNUP_POLICY=closed}), invites included. */
	SIGNUP_CLOSED(HttpStatus.FORBIDDEN),
	/** The e-mail's domain is not among {@code PROTOSTAR_SIGNUP_DOMAINS}, and no invite was given. */
	SIGNUP_DOMAIN_NOT_ALLOWED(HttpStatus.FORBIDDEN),
	/** Signup needs an invite ({@code PROTOSTAR_SIGNUP_POLICY=invite}) and none was given. */
	INVITE_REQUIRED(HttpStatus.FORBIDDEN),
	/** The invite is unknown, used, expired, withdrawn, or for another e-mail address. */
	INVITE_INVALID(HttpStatus.FORBIDDEN),
	/** The setup link is unknown, used, expired or replaced by a newer one. */
	SETUP_LINK_INVALID(HttpStatus.FORBIDDEN),
	NOT_FOUND(HttpStatus.NOT_FOUND),
	METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED),
	NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE),

	// 409: valid request that conflicts with the current state.
	EMAIL_TAKEN(HttpStatus.CONFLICT),
	CANNOT_DEMOTE_SELF(HttpStatus.CONFLICT),
	LAST_ADMIN(HttpStatus.CONFLICT),
	/** A document with exactly the same content is stored already. */
	DUPLICATE_DOCUMENT(HttpStatus.CONFLICT),
	/** A reindex asked for while the document's ingestion job is still queued or running. */
	INGESTION_IN_PROGRESS(HttpStatus.CONFLICT),

	PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE),
	UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE),
	/**
	 * An uploaded file that is not one of the document formats (txt, md, pdf,
	 * docx), or whose content is not what its name and type claim.
	 */
	UNSUPPORTED_DOCUMENT_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE),
	RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS),
	/** More event streams (SSE) open for one user than allowed. */
	TOO_MANY_STREAMS(HttpStatus.TOO_MANY_REQUESTS),

	INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR),
	/**
	 * Stored conversation data this instance cannot decrypt: its key is missing from
	 * {@code DATA_ENCRYPTION_KEYS} here, or the value was altered. The message names the
	 * key id (never the value), for the operator.
	 */
	UNREADABLE_DATA(HttpStatus.INTERNAL_SERVER_ERROR),
	SERVICE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE);

	private final HttpStatus status;

	ResultCode(HttpStatus status) {
		this.status = status;
	}

	public HttpStatus status() {
		return this.status;
	}

	/**
	 * The generic code for a status that arrived without one of ours (a
	 * container-level error, a framework exception): 4xx by status, anything
	 * else is an internal error.
	 */
	public static ResultCode forStatus(int status) {
		return switch (status) {
			case 400 -> BAD_REQUEST;
			case 401 -> UNAUTHENTICATED;
			case 403 -> FORBIDDEN;
			case 404 -> NOT_FOUND;
			case 405 -> METHOD_NOT_ALLOWED;
			case 406 -> NOT_ACCEPTABLE;
			case 413 -> PAYLOAD_TOO_LARGE;
			case 415 -> UNSUPPORTED_MEDIA_TYPE;
			case 429 -> RATE_LIMITED;
			case 503 -> SERVICE_UNAVAILABLE;
			default -> (status >= 400 && status < 500) ? BAD_REQUEST : INTERNAL_ERROR;
		};
	}

	/** The message for {@link #forStatus(int)} answers: generic on purpose, never an exception's text. */
	public String defaultMessage() {
		return switch (this) {
			case NOT_FOUND -> "no such resource";
			case METHOD_NOT_ALLOWED -> "method not allowed on this resource";
			case NOT_ACCEPTABLE -> "only application/json responses are available";
			case PAYLOAD_TOO_LARGE -> "request body too large";
			case UNSUPPORTED_MEDIA_TYPE -> "unsupported content type; send application/json";
			case UNSUPPORTED_DOCUMENT_TYPE -> "unsupported file; upload txt, md, pdf or docx";
			case DUPLICATE_DOCUMENT -> "a document with the same content exists";
			case INGESTION_IN_PROGRESS -> "the document is being ingested";
			case SIGNUP_CLOSED -> "signup is closed";
			case SIGNUP_DOMAIN_NOT_ALLOWED -> "signup is not open to this e-mail domain";
			case INVITE_REQUIRED -> "signup needs an invite";
			case INVITE_INVALID -> "the invite is invalid, used or expired";
			case SETUP_LINK_INVALID -> "the setup link is invalid, used or expired";
			case UNAUTHENTICATED -> "authentication required";
			case FORBIDDEN -> "not allowed";
			case RATE_LIMITED -> "too many requests";
			case TOO_MANY_STREAMS -> "too many event streams open";
			case SERVICE_UNAVAILABLE -> "service temporarily unavailable";
			case INTERNAL_ERROR -> "internal error";
			case UNREADABLE_DATA -> "stored data cannot be decrypted here";
			default -> "bad request";
		};
	}

}
