package dev.protostar.backend.security;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.protostar.backend.api.ResultCode;

/**
 * Authenticates a request that carries {@code Authorization: Bearer <access
 * token>}. A token that fails verification does not end the request here: the
 * request goes on anonymously and the reason is remembered, so a public
 * endpoint (refresh, login) still works for a client that sends its expired
 * token along, while an endpoint that needs a user answers 401 with that
 * reason (see {@link ApiAuthenticationEntryPoint}).
 */
class BearerTokenFilter extends OncePerRequestFilter {

	/** Request attribute holding the {@link ResultCode} of a refused token. */
	static final String REFUSED_TOKEN = BearerTokenFilter.class.getName() + ".refused";

	private static final String PREFIX = "Bearer ";

	private final AccessTokenService tokens;

	private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

	BearerTokenFilter(AccessTokenService tokens) {
		this.tokens = tokens;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String header = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (header != null) {
			if (header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
				authenticate(request, header.substring(PREFIX.length()).strip());
			}
			else {
				request.setAttribute(REFUSED_TOKEN, ResultCode.INVALID_TOKEN);
			}
		}
		chain.doFilter(request, response);
	}

	private void authenticate(HttpServletRequest request, String token) {
		try {
			AuthenticatedUser user = this.tokens.verify(token);
			SecurityContext context = this.contexts.createEmptyContext();
			context.setAuthentication(new AccessTokenAuthentication(user));
			this.contexts.setContext(context);
		}
		catch (InvalidAccessTokenException ex) {
			request.setAttribute(REFUSED_TOKEN, ex.resultCode());
		}
	}

}
