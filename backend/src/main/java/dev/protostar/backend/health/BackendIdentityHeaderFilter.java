package dev.protostar.backend.health;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Stamps every response with the slot and release that produced it, so a
 * blue/green switch can be verified from outside through nginx.
 */
@Component
@Order(BackendIdentityHeaderFilter.ORDER)
public class BackendIdentityHeaderFilter extends OncePerRequestFilter {

	public static final String HEADER = "X-Protostar-Backend";

	/**
	 * Before Spring Security's filter chain, so that the answers it gives by
	 * itself (401, 429) carry the header too, and explicit so that filters
	 * answering by themselves (DrillFaultFilter) can run after it and still
	 * carry the header.
	 */
	public static final int ORDER = SecurityFilterProperties.DEFAULT_FILTER_ORDER - 10;

	private final String value;

	BackendIdentityHeaderFilter(ProtostarProperties properties) {
		this.value = properties.color() + " " + properties.version();
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		// Set before the chain runs: once the body is written the response is
		// committed and headers can no longer be added (errors included).
		response.setHeader(HEADER, this.value);
		chain.doFilter(request, response);
	}

}
