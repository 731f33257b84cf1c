package dev.protostar.backend.request;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

import dev.protostar.backend.api.BodyTooLargeException;
import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.api.ResultCode;

/**
 * Refuses request bodies over {@link HttpProperties#maxBodySize()} with 413.
 * A declared Content-Length is checked before anything reads the body; a
 * chunked body (no length known in advance) is counted while it is read and
 * reading fails as soon as it passes the limit, which the controller advice
 * turns into the same 413. Tomcat's own maxPostSize covers form posts only.
 * <p>
 * An endpoint may declare a larger limit of its own ({@link RequestBodyLimit}, a
 * document upload). A multipart body is parsed by Tomcat from its own input,
 * not through this filter's wrapper, so there only the declared length is
 * checked here; the servlet's multipart limits count the rest.
 */
class RequestBodyLimitFilter extends OncePerRequestFilter {

	static final int ORDER = RequestIdFilter.ORDER + 10;

	private final long maxBytes;

	private final Map<String, Long> endpointLimits;

	private final ErrorResponseWriter errors;

	RequestBodyLimitFilter(HttpProperties properties, ErrorResponseWriter errors) {
		this(properties, List.of(), errors);
	}

	RequestBodyLimitFilter(HttpProperties properties, List<RequestBodyLimit> endpointLimits,
			ErrorResponseWriter errors) {
		this.maxBytes = properties.maxBodySize().toBytes();
		this.endpointLimits = endpointLimits.stream()
			.collect(Collectors.toUnmodifiableMap(RequestBodyLimit::key, (limit) -> limit.maxBodySize().toBytes()));
		this.errors = errors;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long limit = this.endpointLimits.getOrDefault(request.getMethod() + " " + path(request), this.maxBytes);
		if (request.getContentLengthLong() > limit) {
			this.errors.write(response, ResultCode.PAYLOAD_TOO_LARGE, "request body is larger than " + limit + " bytes");
			return;
		}
		chain.doFilter(new LimitedRequest(request, limit), response);
	}

	/** Decoded and normalised by the container, unlike the request URI. */
	private static String path(HttpServletRequest request) {
		String pathInfo = request.getPathInfo();
		return (pathInfo != null) ? request.getServletPath() + pathInfo : request.getServletPath();
	}

	private static final class LimitedRequest extends HttpServletRequestWrapper {

		private final long maxBytes;

		private ServletInputStream stream;

		LimitedRequest(HttpServletRequest request, long maxBytes) {
			super(request);
			this.maxBytes = maxBytes;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			if (this.stream == null) {
				this.stream = new LimitedInputStream(super.getInputStream(), this.maxBytes);
			}
			return this.stream;
		}

	}

	private static final class LimitedInputStream extends ServletInputStream {

		private final ServletInputStream delegate;

		private final long maxBytes;

		private long count;

		LimitedInputStream(ServletInputStream delegate, long maxBytes) {
			this.delegate = delegate;
			this.maxBytes = maxBytes;
		}

		@Override
		public int read() throws IOException {
			int b = this.delegate.read();
			if (b != -1) {
				counted(1);
			}
			return b;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int n = this.delegate.read(buffer, offset, length);
			if (n > 0) {
				counted(n);
			}
			return n;
		}

		private void counted(int n) throws BodyTooLargeException {
			this.count += n;
			if (this.count > this.maxBytes) {
				throw new BodyTooLargeException(this.maxBytes);
			}
		}

		@Override
		public boolean isFinished() {
			return this.delegate.isFinished();
		}

		@Override
		public boolean isReady() {
			return this.delegate.isReady();
		}

		@Override
		public void setReadListener(ReadListener listener) {
			this.delegate.setReadListener(listener);
		}

	}

}
