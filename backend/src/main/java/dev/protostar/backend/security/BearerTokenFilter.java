package dev.protostar.backend.security;

import java.io.IOException;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.api.ResultCode;

/**
 * Authenticates a request that carries {@code Authorization: Bearer <access
 * token>}: the token must verify, and the user's current state (see
 * SecurityStates) must not have revoked it. The request is then authorised at
 * the user's current tier, not at the tier the token claims, so a demotion or
 * a promotion counts from the next request.
 * <p>
 * A token that fails does not end the request here: the request goes on
 * anonymously and the reason is remembered, so a public endpoint (refresh,
 * login) still works for a client that sends its expired token along, while
 * an endpoint that needs a user answers 401 with that reason (see
 * {@link ApiAuthenticationEntryPoint}). Only when the current state cannot be
 * read at all (Redis and PostgreSQL both failing) does the request end, with
 * 503: the token alone is never trusted.
 */
class BearerTokenFilter extends OncePerRequestFilter {

	/** Request attribute holding the {@link ResultCode} of a refused token. */
	static final String REFUSED_TOKEN = BearerTokenFilter.class.getName() + ".refused";

	private static final String PREFIX = "Bearer ";

	private static final Log logger = LogFactory.getLog(BearerTokenFilter.class);

	private final AccessTokenService tokens;

	private final SecurityStates states;

	private final ErrorResponseWriter errors;

	private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

	BearerTokenFilter(AccessTokenService tokens, SecurityStates states, ErrorResponseWriter errors) {
		this.tokens = tokens;
		this.states = states;
		this.errors = errors;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String header = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (header != null) {
			if (header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
				try {
					authenticate(request, header.substring(PREFIX.length()).strip());
				}
				catch (DataAccessException ex) {
					logger.warn("Cannot check an access token against the user's current state: " + ex.getMessage());
					response.setHeader(HttpHeaders.RETRY_AFTER, "5");
					this.errors.write(response, ResultCode.SERVICE_UNAVAILABLE,
							"the service is unavailable right now; try again shortly");
					return;
				}
			}
			else {
				request.setAttribute(REFUSED_TOKEN, ResultCode.INVALID_TOKEN);
			}
		}
		chain.doFilter(request, response);
	}

	private void authenticate(HttpServletRequest request, String token) {
		VerifiedAccessToken verified;
		try {
			verified = this.tokens.verify(token);
		}
		catch (InvalidAccessTokenException ex) {
			request.setAttribute(REFUSED_TOKEN, ex.resultCode());
			return;
		}
		Optional<SecurityState> state = this.states.current(verified.userId());
		if (state.isEmpty()) {
			// A valid token of a user deleted since.
			request.setAttribute(REFUSED_TOKEN, ResultCode.INVALID_TOKEN);
			return;
		}
		if (verified.securityVersion() < state.get().tokensValidFrom()) {
			request.setAttribute(REFUSED_TOKEN, ResultCode.TOKEN_REVOKED);
			return;
		}
		SecurityContext context = this.contexts.createEmptyContext();
		context.setAuthentication(new AccessTokenAuthentication(
				new AuthenticatedUser(verified.userId(), state.get().tier(), verified.sessionId())));
		this.contexts.setContext(context);
	}

}
