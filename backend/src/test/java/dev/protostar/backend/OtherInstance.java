package dev.protostar.backend;

import java.util.function.Supplier;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * A second backend instance for the tests of one class, e.g. the other colour:
 * started before the class's first test and closed after its last. Register it
 * with {@code @RegisterExtension} on a static field.
 */
public final class OtherInstance implements BeforeAllCallback, AfterAllCallback {

	private final String color;

	private final Supplier<String[]> properties;

	private ConfigurableApplicationContext instance;

	/**
	 * @param properties what the instance gets beyond the shared containers (see
	 * {@link IntegrationTestSupport#startInstance}), asked for when it starts
	 */
	public OtherInstance(String color, Supplier<String[]> properties) {
		this.color = color;
		this.properties = properties;
	}

	public OtherInstance(String color, String... properties) {
		this(color, () -> properties);
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		this.instance = IntegrationTestSupport.startInstance(this.color, this.properties.get());
	}

	@Override
	public void afterAll(ExtensionContext context) {
		if (this.instance != null) {
			this.instance.close();
		}
	}

	public String baseUrl() {
		return IntegrationTestSupport.baseUrlOf(this.instance);
	}

}
