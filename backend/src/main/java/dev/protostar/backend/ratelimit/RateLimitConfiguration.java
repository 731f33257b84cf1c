package dev.protostar.backend.ratelimit;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.tier.TierProperties;

@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration {

	@Bean
	RateLimitFilter rateLimitFilter(RateLimiter limiter, RateLimitProperties properties, TierProperties tiers,
			ErrorResponseWriter errors) {
		return new RateLimitFilter(limiter, properties, tiers, errors);
	}

	/**
	 * Boot would register every Filter bean with the servlet container; this
	 * one runs inside Spring Security's chain instead, once.
	 */
	@Bean
	FilterRegistrationBean<RateLimitFilter> rateLimitFilterRegistration(RateLimitFilter filter) {
		FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter);
		registration.setEnabled(false);
		return registration;
	}

}
