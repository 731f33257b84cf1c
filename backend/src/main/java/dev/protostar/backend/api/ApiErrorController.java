package dev.protostar.backend.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container forwards here whenever a response ends in
 * {@code sendError} or an exception escapes the filters (outside Spring MVC,
 * where the controller advice cannot help). Replaces Boot's
 * BasicErrorController, whose body is not our envelope. Any method, because
 * the failed request may have been a POST or DELETE.
 */
@RestController
class ApiErrorController implements ErrorController {

	private static final Log logger = LogFactory.getLog(ApiErrorController.class);

	@RequestMapping("${spring.web.error.path:${server.error.path:/error}}")
	ResponseEntity<ApiResponse<Void>> error(HttpServletRequest request) {
		Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		// Requested directly, not forwarded: there is no such resource.
		ResultCode code = (status instanceof Integer value) ? ResultCode.forStatus(value) : ResultCode.NOT_FOUND;
		Object exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
		if (exception instanceof Throwable failure && code.status().is5xxServerError()) {
			logger.error("Request to " + request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) + " failed",
					failure);
		}
		return ResponseEntity.status(code.status()).body(ApiResponse.error(code, code.defaultMessage()));
	}

}
