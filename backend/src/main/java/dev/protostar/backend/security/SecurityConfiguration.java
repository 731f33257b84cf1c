package dev.protostar.backend.security;

import java.util.Map;

import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.annotation.AnnotationTemplateExpressionDefaults;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.tier.Tier;

/**
 * Who may call what is declared in one place, on the endpoint: each carries
 * {@link RequiresTier} or {@link PublicEndpoint}. The annotation is enforced
 * twice from that one declaration: in the filter chain before the body is read
 * ({@link TierAuthorizationManager}) and by method security at the method.
 * Requests that map to no endpoint are let through to Spring MVC, so a path
 * that does not exist answers 404 instead of 401 (asking for a token to reach
 * nothing helps nobody).
 */
@Configuration(proxyBeanMethods = false)
@EnableMethodSecurity
class SecurityConfiguration {

	static final String PASSWORD_ENCODING = "argon2@SpringSecurity_v5_8";

	/** ADMIN > PROTOSTAR > STARGAZER > GUEST: a tier may do what the ones below may. */
	@Bean
	static RoleHierarchy tierHierarchy() {
		return RoleHierarchyImpl.withDefaultRolePrefix()
			.role(Tier.ADMIN.name())
			.implies(Tier.PROTOSTAR.name())
			.role(Tier.PROTOSTAR.name())
			.implies(Tier.STARGAZER.name())
			.role(Tier.STARGAZER.name())
			.implies(Tier.GUEST.name())
			.build();
	}

	/** Lets {@link RequiresTier} pass its value into the {@code @PreAuthorize} expression. */
	@Bean
	static AnnotationTemplateExpressionDefaults annotationTemplateExpressionDefaults() {
		return new AnnotationTemplateExpressionDefaults();
	}

	/**
	 * Argon2id with Spring Security's 5.8 parameters, behind a delegating
	 * encoder: each hash is stored with its {@code {id}} prefix, so the
	 * parameters can be raised later and old hashes still verify (and are
	 * upgraded at the next login).
	 */
	@Bean
	PasswordEncoder passwordEncoder() {
		return new DelegatingPasswordEncoder(PASSWORD_ENCODING,
				Map.of(PASSWORD_ENCODING, Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8()));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	static class WebSecurity {

		/**
		 * The actuator is served on the management port only, which nginx never
		 * exposes; its readiness probe must not depend on tokens or on Redis
		 * (rate limits). It does not pass through the API chain below.
		 */
		@Bean
		@Order(1)
		SecurityFilterChain actuatorChain(HttpSecurity http) {
			http.securityMatcher("/actuator/**")
				.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
				.csrf((csrf) -> csrf.disable())
				.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
				.requestCache((cache) -> cache.disable());
			return http.build();
		}

		@Bean
		@Order(2)
		SecurityFilterChain apiChain(HttpSecurity http, AccessTokenService tokens, SecurityStates states,
				ObjectProvider<AuthenticatedRequestFilter> afterAuthentication, ErrorResponseWriter errors,
				@Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mappings,
				RoleHierarchy hierarchy) {
			http.authorizeHttpRequests((requests) -> requests
				// The dispatch that ends an async request (an SSE stream completing)
				// belongs to a request authorised when it began. Its security
				// context is not there any more (the token is checked per request
				// and nothing is stored), so checking again would answer 401 into
				// the middle of an event stream.
				.dispatcherTypeMatchers(DispatcherType.ASYNC)
				.permitAll()
				.anyRequest()
				.access(new TierAuthorizationManager(mappings, hierarchy)))
				// CSRF protection guards against a browser sending credentials it
				// attaches by itself (cookies). This API has no session and no
				// cookie: the token travels in the Authorization header, which a
				// forged cross-site request cannot set.
				.csrf((csrf) -> csrf.disable())
				.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
				.requestCache((cache) -> cache.disable())
				.httpBasic((basic) -> basic.disable())
				.formLogin((form) -> form.disable())
				.logout((logout) -> logout.disable())
				.exceptionHandling((exceptions) -> exceptions
					.authenticationEntryPoint(new ApiAuthenticationEntryPoint(errors))
					.accessDeniedHandler(new ApiAccessDeniedHandler(errors)))
				.addFilterBefore(new BearerTokenFilter(tokens, states, errors), AnonymousAuthenticationFilter.class);
			// After the token is checked, e.g. rate limits, which are per user when there is one.
			afterAuthentication.orderedStream()
				.forEach((filter) -> http.addFilterAfter(filter, BearerTokenFilter.class));
			return http.build();
		}

	}

}
