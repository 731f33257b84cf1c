package dev.protostar.contract.redis;

import java.time.Duration;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;

/**
 * Connections of their own for blocking commands (the worker's BLPOP on the wake-up
 * list, the backend's pattern subscription), apart from the application's pool.
 *
 * <p>
 * With Jedis a connection serves one command at a time: a command that blocks holds
 * its pooled connection for as long as it waits (a subscription: for ever). Taken from
 * the application's pool, such waits would leave fewer connections to the short
 * commands (the queue's scripts, rate limits, event reads) and, with as many waiters as
 * connections, none. So blocking readers borrow from this small pool instead, made
 * with the application's own Redis settings (address, user, password, TLS, client
 * name, connect timeout) and a read timeout of its own, longer than the longest block.
 * Still a spring-data-redis {@link JedisConnectionFactory}, so errors are translated
 * as everywhere else.
 */
public final class BlockingRedis implements AutoCloseable {

	private final JedisConnectionFactory factory;

	/**
	 * @param shared the application's connection factory, whose settings are copied
	 * @param connections how many blocking readers may wait at once
	 * @param readTimeout how long a command may wait for its reply; longer than any
	 * block it asks for (a subscription waits regardless, as Jedis lifts the timeout)
	 */
	public BlockingRedis(RedisConnectionFactory shared, int connections, Duration readTimeout) {
		if (!(shared instanceof JedisConnectionFactory jedis)) {
			throw new IllegalArgumentException("Redis is reached through Jedis (JedisConnectionFactory), not "
					+ shared.getClass().getName());
		}
		JedisClientConfiguration settings = jedis.getClientConfiguration();
		JedisClientConfiguration.JedisClientConfigurationBuilder builder = JedisClientConfiguration.builder()
			.connectTimeout(settings.getConnectTimeout())
			.readTimeout(readTimeout);
		settings.getClientName().ifPresent(builder::clientName);
		if (settings.isUseSsl()) {
			JedisClientConfiguration.JedisSslClientConfigurationBuilder ssl = builder.useSsl();
			settings.getSslSocketFactory().ifPresent(ssl::sslSocketFactory);
			settings.getSslParameters().ifPresent(ssl::sslParameters);
			settings.getHostnameVerifier().ifPresent(ssl::hostnameVerifier);
		}
		GenericObjectPoolConfig<Object> pool = new GenericObjectPoolConfig<>();
		pool.setMaxTotal(connections);
		pool.setMaxIdle(connections);
		// A reader that finds every connection busy waits for one rather than failing.
		pool.setMaxWait(readTimeout);
		builder.usePooling().poolConfig(pool);
		this.factory = new JedisConnectionFactory(jedis.getStandaloneConfiguration(), builder.build());
		this.factory.afterPropertiesSet();
		this.factory.start();
	}

	/** A connection for one blocking command or subscription; close it when done. */
	public RedisConnection connection() {
		return this.factory.getConnection();
	}

	@Override
	public void close() {
		this.factory.destroy();
	}

}
