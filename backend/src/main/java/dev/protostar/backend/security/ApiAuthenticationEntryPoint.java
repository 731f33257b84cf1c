package dev.protostar.backend.security;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.api.ResultCode;

/**
 * 401 for an endpoint that needs a user, with the challenge RFC 6750 asks for:
 * {@code UNAUTHENTICATED} without a token; with a bad one (and
 * {@code error="invalid_token"}) {@code INVALID_TOKEN}, {@code TOKEN_EXPIRED}
 * or {@code TOKEN_REVOKED} (the latter two: refresh, then retry).
 */
class ApiAuthenticationEntryPoint implements AuthenticationEntryPoint {

	private final ErrorResponseWriter errors;

	ApiAuthenticationEntryPoint(ErrorResponseWriter errors) {
		this.errors = errors;
	}

	@Override
	public void commence(HttpServletRequest request, HttpServletResponse response,
			AuthenticationException authException) throws IOException {
		if (request.getAttribute(BearerTokenFilter.REFUSED_TOKEN) instanceof ResultCode refused) {
			String description = switch (refused) {
				case TOKEN_EXPIRED -> "The access token expired";
				case TOKEN_REVOKED -> "The access token was revoked";
				default -> "The access token is invalid";
			};
			String message = switch (refused) {
				case TOKEN_EXPIRED -> "access token expired; refresh it";
				case TOKEN_REVOKED -> "access token revoked; refresh it, or sign in again if that fails";
				default -> "invalid access token";
			};
			response.setHeader(HttpHeaders.WWW_AUTHENTICATE,
					"Bearer error=\"invalid_token\", error_description=\"" + description + "\"");
			this.errors.write(response, refused, message);
			return;
		}
		response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
		this.errors.write(response, ResultCode.UNAUTHENTICATED, "authentication required");
	}

}
