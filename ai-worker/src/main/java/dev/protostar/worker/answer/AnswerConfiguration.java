package dev.protostar.worker.answer;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The answer provider chosen by {@code protostar.answer.provider}. A remote provider
 * without what it needs stops the start, naming the variables to set, rather than
 * failing every question later.
 */
@Configuration(proxyBeanMethods = false)
class AnswerConfiguration {

	@Bean
	AnswerService answerService(AnswerProperties properties, MeterRegistry registry) {
		return AnswerService.from(properties, registry);
	}

}
