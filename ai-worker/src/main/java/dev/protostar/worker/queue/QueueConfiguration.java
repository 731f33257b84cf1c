package dev.protostar.worker.queue;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.contract.crypto.DataCipher;
import dev.protostar.contract.queue.JobEvents;

/** The queue and its worker; off with {@code protostar.queue.enabled=false}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "protostar.queue.enabled", havingValue = "true", matchIfMissing = true)
class QueueConfiguration {

	private static final Logger log = LoggerFactory.getLogger(QueueConfiguration.class);

	@Bean
	JobQueue jobQueue(StringRedisTemplate redis, RedisConnectionFactory connectionFactory,
			QueueProperties properties) {
		// Each job thread, the dispatcher and the lease timer hold a pooled connection at
		// once at most; fewer make job threads wait for one (up to the pool's max-wait).
		if (connectionFactory instanceof JedisConnectionFactory jedis && jedis.getPoolConfig() != null
				&& jedis.getPoolConfig().getMaxTotal() < properties.concurrency() + 2) {
			log.warn("The Redis pool has {} connections for {} job threads; set REDIS_POOL_SIZE"
					+ " (spring.data.redis.jedis.pool.max-active) to at least {}", jedis.getPoolConfig().getMaxTotal(),
					properties.concurrency(), properties.concurrency() + 2);
		}
		return new JobQueue(redis, connectionFactory, properties);
	}

	@Bean
	JobEvents jobEvents(StringRedisTemplate redis, QueueProperties properties, DataCipher cipher) {
		return new JobEvents(redis, properties.keys(), properties.eventsMaxLen(), properties.eventsTtl(), cipher);
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
