package dev.protostar.backend.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.PropertyBindingException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.validation.FieldError;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.validation.method.ParameterErrors;
import org.springframework.validation.method.ParameterValidationResult;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;

import dev.protostar.contract.crypto.UnreadableValueException;

/**
 * Turns every exception that leaves a controller into the envelope. Messages
 * are written here, from what the client sent, never copied from an
 * exception: exception texts name classes, SQL and file paths.
 */
@RestControllerAdvice
class ApiExceptionHandler {

	private static final Log logger = LogFactory.getLog(ApiExceptionHandler.class);

	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> apiException(ApiException ex) {
		if (ex.retryAfterSeconds() != null) {
			return ResponseEntity.status(ex.resultCode().status())
				.header(HttpHeaders.RETRY_AFTER, Long.toString(ex.retryAfterSeconds()))
				.body(ApiResponse.error(ex.resultCode(), ex.getMessage()));
		}
		return envelope(ex.resultCode(), ex.getMessage());
	}

	/**
	 * Method security's verdicts belong to Spring Security, which knows whether
	 * to answer 401 (anonymous, with a WWW-Authenticate challenge) or 403.
	 * Rethrowing the same instance lets them reach its ExceptionTranslationFilter.
	 */
	@ExceptionHandler({ AccessDeniedException.class, AuthenticationException.class })
	void securityException(RuntimeException ex) {
		throw ex;
	}

	/**
	 * The client of an async request (an SSE stream) went away, noticed when
	 * a write failed. Nobody is left to answer, and with thousands of streams
	 * it is routine, not an error worth a stack trace.
	 */
	@ExceptionHandler
	void clientGone(AsyncRequestNotUsableException ex) {
		// Nothing to write.
	}

	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> invalidBody(MethodArgumentNotValidException ex) {
		String message = ex.getBindingResult()
			.getFieldErrors()
			.stream()
			.sorted(Comparator.comparing(FieldError::getField))
			.map((error) -> error.getField() + ": " + error.getDefaultMessage())
			.collect(Collectors.joining("; "));
		return envelope(ResultCode.VALIDATION_FAILED, message.isEmpty() ? "invalid request" : message);
	}

	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> invalidParameter(HandlerMethodValidationException ex) {
		// Raised instead of MethodArgumentNotValidException when a method
		// validates parameters too (a header, a query parameter): the body's
		// field errors are then among the parameter results.
		List<String> problems = new ArrayList<>();
		for (ParameterValidationResult result : ex.getParameterValidationResults()) {
			if (result instanceof ParameterErrors errors) {
				errors.getFieldErrors()
					.forEach((error) -> problems.add(error.getField() + ": " + error.getDefaultMessage()));
			}
			else {
				String name = result.getMethodParameter().getParameterName();
				result.getResolvableErrors()
					.forEach((error) -> problems.add(((name != null) ? name : "parameter") + ": "
							+ error.getDefaultMessage()));
			}
		}
		problems.sort(Comparator.naturalOrder());
		return envelope(ResultCode.VALIDATION_FAILED,
				problems.isEmpty() ? "invalid request parameters" : String.join("; ", problems));
	}

	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> typeMismatch(MethodArgumentTypeMismatchException ex) {
		return envelope(ResultCode.VALIDATION_FAILED, "'" + ex.getName() + "' has an invalid value");
	}

	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> unreadableBody(HttpMessageNotReadableException ex) {
		return unreadable(ex);
	}

	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> notAcceptable(HttpMediaTypeNotAcceptableException ex) {
		// The Accept header asked for something else than JSON; answer in JSON
		// anyway: an envelope the client did not ask for beats an empty 406.
		return envelope(ResultCode.NOT_ACCEPTABLE, ResultCode.NOT_ACCEPTABLE.defaultMessage());
	}

	/** The request's Content-Type is not one the endpoint reads: say which ones it does. */
	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> unsupportedMediaType(HttpMediaTypeNotSupportedException ex) {
		String supported = ex.getSupportedMediaTypes()
			.stream()
			.map((type) -> type.getType() + "/" + type.getSubtype())
			.distinct()
			.collect(Collectors.joining(", "));
		return envelope(ResultCode.UNSUPPORTED_MEDIA_TYPE, supported.isEmpty()
				? ResultCode.UNSUPPORTED_MEDIA_TYPE.defaultMessage() : "unsupported content type; send " + supported);
	}

	/**
	 * A multipart upload over the servlet's limits (see DocumentConfiguration),
	 * noticed while Tomcat parses it, before any controller runs.
	 */
	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> uploadTooLarge(MaxUploadSizeExceededException ex) {
		return envelope(ResultCode.PAYLOAD_TOO_LARGE, "the upload is larger than the limit");
	}

	/** A multipart body Tomcat cannot parse: no boundary, a truncated part, garbage. */
	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> malformedMultipart(MultipartException ex) {
		return envelope(ResultCode.BAD_REQUEST, "request body is not valid multipart/form-data");
	}

	/**
	 * A stored value this instance cannot decrypt. Not the client's doing, and no bug
	 * either: the operator has a key to add (or a value was altered), so the log says
	 * which field and key, and the answer names the key id, which a user can pass on.
	 */
	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> unreadableData(UnreadableValueException ex) {
		logger.error("Request failed: " + ex.getMessage() + " (see `protostar keys status`)");
		return envelope(ResultCode.UNREADABLE_DATA, "stored data cannot be decrypted here: data key '" + ex.keyId()
				+ "' is missing or does not match; the operator must restore it");
	}

	/**
	 * Spring MVC's own exceptions (404 no handler, 405, 415, missing
	 * parameters, ...) carry their status; everything else is a bug.
	 */
	@ExceptionHandler
	ResponseEntity<ApiResponse<Void>> anyOther(Exception ex) {
		if (ex instanceof ErrorResponse errorResponse) {
			ResultCode code = ResultCode.forStatus(errorResponse.getStatusCode().value());
			if (code.status().is5xxServerError()) {
				logger.error("Request failed", ex);
			}
			return envelope(code, code.defaultMessage());
		}
		logger.error("Request failed", ex);
		return envelope(ResultCode.INTERNAL_ERROR, ResultCode.INTERNAL_ERROR.defaultMessage());
	}

	private static ResponseEntity<ApiResponse<Void>> unreadable(HttpMessageNotReadableException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof BodyTooLargeException) {
				return envelope(ResultCode.PAYLOAD_TOO_LARGE, ResultCode.PAYLOAD_TOO_LARGE.defaultMessage());
			}
		}
		Throwable cause = ex.getCause();
		if (cause instanceof PropertyBindingException unknown) {
			return envelope(ResultCode.UNKNOWN_FIELD, "unknown field '" + unknown.getPropertyName() + "'");
		}
		if (cause instanceof MismatchedInputException mismatch) {
			String path = path(mismatch);
			if (path.isEmpty()) {
				// Trailing tokens after the document, or a document of the wrong
				// shape altogether (an array where an object belongs).
				return envelope(ResultCode.MALFORMED_JSON, "request body is not the expected JSON object");
			}
			return envelope(ResultCode.VALIDATION_FAILED, "'" + path + "' has the wrong type");
		}
		if (cause instanceof StreamReadException || cause instanceof JacksonException) {
			// Syntax errors and byte sequences that are not UTF-8 alike.
			return envelope(ResultCode.MALFORMED_JSON, "request body is not valid JSON");
		}
		return envelope(ResultCode.MALFORMED_JSON, "request body is missing or unreadable");
	}

	private static String path(JacksonException ex) {
		return ex.getPath()
			.stream()
			.map((reference) -> (reference.getPropertyName() != null) ? reference.getPropertyName()
					: "[" + reference.getIndex() + "]")
			.collect(Collectors.joining("."));
	}

	private static ResponseEntity<ApiResponse<Void>> envelope(ResultCode code, String message) {
		return ResponseEntity.status(code.status()).body(ApiResponse.error(code, message));
	}

}
