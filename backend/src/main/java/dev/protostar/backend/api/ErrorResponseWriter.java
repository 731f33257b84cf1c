package dev.protostar.backend.api;

import java.io.IOException;

import jakarta.servlet.http.HttpServletResponse;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Writes an error envelope straight to the servlet response, for code that runs
 * outside Spring MVC (filters, Spring Security's entry points) and therefore
 * cannot rely on the controller advice.
 */
@Component
public class ErrorResponseWriter {

	private final JsonMapper jsonMapper;

	public ErrorResponseWriter(JsonMapper jsonMapper) {
		this.jsonMapper = jsonMapper;
	}

	public void write(HttpServletResponse response, ResultCode code, String message) throws IOException {
		// setStatus, not sendError: sendError would hand over to /error and
		// lose the specific code and message.
		response.setStatus(code.status().value());
		response.setContentType(MediaType.APPLICATION_JSON_VALUE);
		response.setCharacterEncoding("UTF-8");
		this.jsonMapper.writeValue(response.getOutputStream(), ApiResponse.error(code, message));
	}

}
