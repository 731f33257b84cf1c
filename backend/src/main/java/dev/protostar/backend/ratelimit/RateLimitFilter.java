package dev.protostar.backend.ratelimit;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.security.AuthenticatedRequestFilter;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.tier.TierProperties;

/**
 * Limits requests per user (by tier) or, without a valid token, per client
 * address; login, signup, the setup link and password changes have their own, tighter budget
 * per address. Runs
 * inside Spring Security's chain right after the access token is checked (an
 * AuthenticatedRequestFilter), not as a servlet filter of its own.
 * <p>
 * The client address is {@code request.getRemoteAddr()}, which Tomcat's
 * RemoteIpValve replaces with nginx's {@code X-Real-IP} only when the
 * connection comes from an internal proxy (see application.properties), so a
 * client cannot pick its own address by sending the header.
 * <p>
 * The limits fail open when Redis is unavailable (see RateLimiter), except on
 * the endpoints that take a password or a refresh token: those answer 503
 * {@code SERVICE_UNAVAILABLE} before the password is looked at, so that right
 * and wrong passwords look alike and cannot be tried without limit.
 * <p>
 * Every limited answer carries {@code RateLimit-Limit}, {@code RateLimit-Remaining}
 * and {@code RateLimit-Reset} (seconds); a 429 also {@code Retry-After}.
 */
class RateLimitFilter extends OncePerRequestFilter implements AuthenticatedRequestFilter {

	private static final Duration MINUTE = Duration.ofMinutes(1);

	/** Password guessing happens here. */
	private static final Set<String> AUTH_PATHS = Set.of("/api/auth/login", "/api/auth/signup", "/api/auth/setup",
			"/api/me/password");

	/** Where a password or a refresh token is checked: not unlimited, ever. */
	private static final Set<String> FAIL_CLOSED_PATHS = Set.of("/api/auth/login", "/api/auth/signup",
			"/api/auth/setup", "/api/auth/refresh", "/api/me/password");

	/**
	 * Polled by nginx, the deploy tooling and load tests through nginx from one
	 * address; it costs nothing to answer and must never be refused.
	 */
	private static final Set<String> UNLIMITED_PATHS = Set.of("/api/health");

	private final RateLimiter limiter;

	private final RateLimitProperties properties;

	private final TierProperties tiers;

	private final ErrorResponseWriter errors;

	RateLimitFilter(RateLimiter limiter, RateLimitProperties properties, TierProperties tiers,
			ErrorResponseWriter errors) {
		this.limiter = limiter;
		this.properties = properties;
		this.tiers = tiers;
		this.errors = errors;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		// The web app's page and files are not the API: one first visit loads a dozen
		// modules, which would eat a fifth of an address's anonymous minute. nginx's
		// flood limit still covers them.
		String path = path(request);
		return !this.properties.enabled() || UNLIMITED_PATHS.contains(path) || !path.startsWith("/api/");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		RateLimitDecision decision;
		try {
			decision = decide(request);
		}
		catch (DataAccessException ex) {
			// Only where the limit fails closed.
			response.setHeader(HttpHeaders.RETRY_AFTER, "5");
			this.errors.write(response, ResultCode.SERVICE_UNAVAILABLE,
					"signing in is unavailable right now; try again shortly");
			return;
		}
		response.setHeader("RateLimit-Limit", Long.toString(decision.limit()));
		response.setHeader("RateLimit-Remaining", Long.toString(decision.remaining()));
		response.setHeader("RateLimit-Reset", Long.toString(decision.resetAfterSeconds()));
		if (!decision.allowed()) {
			response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(decision.resetAfterSeconds()));
			this.errors.write(response, ResultCode.RATE_LIMITED,
					"too many requests; retry in " + decision.resetAfterSeconds() + " s");
			return;
		}
		chain.doFilter(request, response);
	}

	/** @throws DataAccessException when Redis is unavailable and this request's limit fails closed */
	private RateLimitDecision decide(HttpServletRequest request) {
		String address = request.getRemoteAddr();
		boolean post = "POST".equals(request.getMethod());
		boolean failClosed = post && FAIL_CLOSED_PATHS.contains(path(request));
		if (post && AUTH_PATHS.contains(path(request))) {
			return acquire(failClosed, "auth", "auth:" + address, this.properties.authPerMinute());
		}
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		if (authentication != null && authentication.getPrincipal() instanceof AuthenticatedUser user) {
			return acquire(failClosed, "user", "user:" + user.id(), this.tiers.limitsOf(user.tier()).requestsPerMinute());
		}
		return acquire(failClosed, "anonymous", "ip:" + address, this.properties.anonymousPerMinute());
	}

	private RateLimitDecision acquire(boolean failClosed, String kind, String key, long limit) {
		return failClosed ? this.limiter.tryAcquireOrFail(kind, key, limit, MINUTE)
				: this.limiter.tryAcquire(kind, key, limit, MINUTE);
	}

	/** Decoded and normalised by the container, unlike the request URI. */
	private static String path(HttpServletRequest request) {
		String pathInfo = request.getPathInfo();
		return (pathInfo != null) ? request.getServletPath() + pathInfo : request.getServletPath();
	}

}
