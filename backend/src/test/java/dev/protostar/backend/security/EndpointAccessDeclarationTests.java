package dev.protostar.backend.security;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * URL security permits everything, so an endpoint without {@link RequiresTier}
 * would be public. Each one must say which it is.
 */
class EndpointAccessDeclarationTests {

	@Test
	void everyEndpointDeclaresWhoMayCallIt() throws Exception {
		var scanner = new ClassPathScanningCandidateComponentProvider(false);
		scanner.addIncludeFilter(new AnnotationTypeFilter(RestController.class));
		List<String> endpoints = new ArrayList<>();
		List<String> undeclared = new ArrayList<>();
		for (BeanDefinition definition : scanner.findCandidateComponents("dev.protostar.backend")) {
			Class<?> controller = Class.forName(definition.getBeanClassName());
			for (Method method : controller.getDeclaredMethods()) {
				if (!AnnotatedElementUtils.hasAnnotation(method, RequestMapping.class)
						|| controller.getSimpleName().equals("ApiErrorController")) {
					continue;
				}
				endpoints.add(controller.getSimpleName() + "." + method.getName());
				boolean declared = AnnotatedElementUtils.hasAnnotation(method, RequiresTier.class)
						|| AnnotatedElementUtils.hasAnnotation(method, PublicEndpoint.class)
						|| AnnotatedElementUtils.hasAnnotation(controller, RequiresTier.class)
						|| AnnotatedElementUtils.hasAnnotation(controller, PublicEndpoint.class);
				if (!declared) {
					undeclared.add(controller.getSimpleName() + "." + method.getName());
				}
			}
		}

		assertThat(endpoints).as("the scan finds the endpoints").contains("MeController.me", "AuthController.login");
		assertThat(undeclared).isEmpty();
	}

}
