package dev.protostar.backend.security;

import dev.protostar.backend.api.ResultCode;

/** Why an access token was refused: {@code INVALID_TOKEN} or {@code TOKEN_EXPIRED}. */
class InvalidAccessTokenException extends Exception {

	private final ResultCode resultCode;

	InvalidAccessTokenException(ResultCode resultCode, String message) {
		super(message, null, false, false);
		this.resultCode = resultCode;
	}

	ResultCode resultCode() {
		return this.resultCode;
	}

}
