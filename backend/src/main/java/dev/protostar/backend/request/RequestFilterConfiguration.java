package dev.protostar.backend.request;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.protostar.backend.api.ErrorResponseWriter;

/**
 * Registered here rather than as @Component so that web slice tests, which
 * pick up every Filter component, do not need their properties.
 */
@Configuration(proxyBeanMethods = false)
class RequestFilterConfiguration {

	@Bean
	FilterRegistrationBean<RequestIdFilter> requestIdFilter() {
		FilterRegistrationBean<RequestIdFilter> registration = new FilterRegistrationBean<>(new RequestIdFilter());
		registration.setOrder(RequestIdFilter.ORDER);
		return registration;
	}

	@Bean
	FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(HttpProperties properties,
			ObjectProvider<RequestBodyLimit> endpointLimits, ErrorResponseWriter errors) {
		List<RequestBodyLimit> limits = endpointLimits.orderedStream().toList();
		FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(
				new RequestBodyLimitFilter(properties, limits, errors));
		registration.setOrder(RequestBodyLimitFilter.ORDER);
		return registration;
	}

}
