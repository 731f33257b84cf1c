package dev.protostar.contract.logging;

import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import org.slf4j.LoggerFactory;

import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Logging is configured once per JVM, and the applications' logging tests change it:
 * Boot configures it for the first application and skips it for the next, and the
 * tests that run after one that configured Loki would keep pushing to a server that is
 * gone. These put it in the state a test needs.
 */
public final class TestLogging {

	private TestLogging() {
	}

	/** Lets the next application started configure logging from its own settings. */
	public static void release() {
		LoggingSystem.get(TestLogging.class.getClassLoader()).cleanUp();
	}

	/**
	 * Configures logging again from logback-spring.xml with these settings alone, i.e.
	 * without a Loki URL: the console only, as the other tests expect.
	 * @param settings what the console pattern needs, e.g. logging.pattern.level
	 */
	public static void consoleOnly(Map<String, String> settings) {
		LoggingSystem system = LoggingSystem.get(TestLogging.class.getClassLoader());
		system.cleanUp();
		system.beforeInitialize();
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("logging", Map.copyOf(settings)));
		system.initialize(new LoggingInitializationContext(environment), null, null);
		if (rootAppender("LOKI") != null) {
			throw new IllegalStateException("logging still pushes to Loki");
		}
	}

	/** The root logger's appender of this name (CONSOLE, LOKI), or null. */
	public static Appender<ILoggingEvent> rootAppender(String name) {
		return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).getAppender(name);
	}

}
