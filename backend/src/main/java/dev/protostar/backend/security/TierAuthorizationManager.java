package dev.protostar.backend.security;

import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.server.RequestPath;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * Applies the endpoint's {@link RequiresTier} already in the filter chain,
 * before Spring MVC reads the request body: otherwise an anonymous call with a
 * missing or malformed body would answer 400 instead of 401. The annotation
 * stays the only place where access is declared; the same annotation's
 * {@code @PreAuthorize} checks it again at the method. Requests that map to
 * no endpoint pass, so that Spring MVC answers them 404, 405 or 415.
 */
class TierAuthorizationManager implements AuthorizationManager<RequestAuthorizationContext> {

	private static final AuthorizationDecision NO_ENDPOINT_OR_PUBLIC = new AuthorizationDecision(true);

	private final RequestMappingHandlerMapping mappings;

	private final RoleHierarchy hierarchy;

	TierAuthorizationManager(RequestMappingHandlerMapping mappings, RoleHierarchy hierarchy) {
		this.mappings = mappings;
		this.hierarchy = hierarchy;
	}

	@Override
	public AuthorizationResult authorize(Supplier<? extends Authentication> authentication,
			RequestAuthorizationContext context) {
		RequiresTier required = requiredTier(context.getRequest());
		if (required == null) {
			return NO_ENDPOINT_OR_PUBLIC;
		}
		AuthorityAuthorizationManager<RequestAuthorizationContext> role = AuthorityAuthorizationManager
			.hasRole(required.value().name());
		role.setRoleHierarchy(this.hierarchy);
		return role.authorize(authentication, context);
	}

	private RequiresTier requiredTier(HttpServletRequest request) {
		Object previous = request.getAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE);
		ServletRequestPathUtils.parseAndCache(request);
		try {
			HandlerExecutionChain chain = this.mappings.getHandler(request);
			if (chain != null && chain.getHandler() instanceof HandlerMethod method) {
				RequiresTier onMethod = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(),
						RequiresTier.class);
				return (onMethod != null) ? onMethod
						: AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), RequiresTier.class);
			}
			return null;
		}
		catch (Exception ex) {
			// No endpoint for this method or media type: Spring MVC says so.
			return null;
		}
		finally {
			if (previous instanceof RequestPath path) {
				request.setAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE, path);
			}
			else {
				ServletRequestPathUtils.clearParsedRequestPath(request);
			}
		}
	}

}
