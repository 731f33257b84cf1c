package dev.protostar.backend.request;

import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.MDC;

import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id that appears in each log line written for it (MDC
 * key {@code requestId}) and in the {@code X-Request-Id} response header, so a
 * user's report can be matched with the logs. nginx's {@code $request_id} is
 * taken over when present, so its access log and ours share the id.
 */
public class RequestIdFilter extends OncePerRequestFilter {

	public static final String HEADER = "X-Request-Id";

	public static final String MDC_KEY = "requestId";

	/** First of our filters: everything after it, errors included, logs with the id. */
	static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	private static final String ATTRIBUTE = RequestIdFilter.class.getName() + ".id";

	/**
	 * What a client may pass in: nginx sends 32 hex digits. Anything else is
	 * replaced, so that a header cannot forge log lines or carry markup.
	 */
	private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._-]{8,128}");

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String id = (request.getAttribute(ATTRIBUTE) instanceof String existing) ? existing : idFor(request);
		request.setAttribute(ATTRIBUTE, id);
		response.setHeader(HEADER, id);
		MDC.put(MDC_KEY, id);
		try {
			chain.doFilter(request, response);
		}
		finally {
			MDC.remove(MDC_KEY);
		}
	}

	/** Runs again for the error dispatch, which happens after the MDC was cleared. */
	@Override
	protected boolean shouldNotFilterErrorDispatch() {
		return false;
	}

	private static String idFor(HttpServletRequest request) {
		String incoming = request.getHeader(HEADER);
		return (incoming != null && ACCEPTABLE.matcher(incoming).matches()) ? incoming : UUID.randomUUID().toString();
	}

}
