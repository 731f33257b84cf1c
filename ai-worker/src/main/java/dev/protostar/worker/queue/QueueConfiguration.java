package dev.protostar.worker.queue;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.contract.queue.JobEvents;

/** The queue and its worker; off with {@code protostar.queue.enabled=false}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "protostar.queue.enabled", havingValue = "true", matchIfMissing = true)
class QueueConfiguration {

	@Bean
	JobQueue jobQueue(StringRedisTemplate redis, LettuceConnectionFactory connectionFactory,
			QueueProperties properties) {
		return new JobQueue(redis, connectionFactory, properties);
	}

	@Bean
	JobEvents jobEvents(StringRedisTemplate redis, QueueProperties properties) {
		return new JobEvents(redis, properties.keys(), properties.eventsMaxLen(), properties.eventsTtl());
	}

	@Bean
	QueueMetrics queueMetrics(MeterRegistry registry, JobQueue queue, QueueProperties properties) {
		return new QueueMetrics(registry, queue, properties.types());
	}

	@Bean
	JobWorker jobWorker(JobQueue queue, JobEvents events, QueueMetrics metrics, ObjectProvider<JobHandler> handlers) {
		List<JobHandler> list = handlers.orderedStream().toList();
		return new JobWorker(queue, events, metrics, list);
	}

}
