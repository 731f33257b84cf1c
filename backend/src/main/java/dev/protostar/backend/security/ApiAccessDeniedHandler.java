package dev.protostar.backend.security;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.access.AccessDeniedHandler;

import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.api.ResultCode;

/** 403 for an authenticated user whose tier is too low. */
class ApiAccessDeniedHandler implements AccessDeniedHandler {

	private final ErrorResponseWriter errors;

	ApiAccessDeniedHandler(ErrorResponseWriter errors) {
		this.errors = errors;
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response,
			AccessDeniedException accessDeniedException) throws IOException {
		this.errors.write(response, ResultCode.FORBIDDEN, "your tier does not allow this");
	}

}
