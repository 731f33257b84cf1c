package dev.protostar.contract.secrets;

import java.util.List;
import java.util.function.Function;

/**
 * The secrets an application cannot run without in production, by the environment
 * variable that holds each. Checked at start-up, so that a missing one stops the start
 * instead of connecting with an empty password (which the development defaults allow).
 * Each application declares its list as a bean of the production profile, checked as it
 * is made; the report names every variable to set and never a value.
 */
public final class ProductionSecrets {

	private final List<String> variables;

	/** @param variables the environment variables that must be set, e.g. {@code POSTGRES_PASSWORD} */
	public ProductionSecrets(String... variables) {
		this.variables = List.of(variables);
	}

	public List<String> variables() {
		return this.variables;
	}

	/**
	 * @param valueOf a variable's value, or null when it is unset (e.g. the Spring
	 * environment's {@code getProperty})
	 * @return this, all set
	 * @throws MissingSecretsException when any of the variables is unset or blank
	 */
	public ProductionSecrets check(Function<String, String> valueOf) {
		List<String> missing = this.variables.stream().filter((variable) -> {
			String value = valueOf.apply(variable);
			return value == null || value.isBlank();
		}).toList();
		if (!missing.isEmpty()) {
			throw new MissingSecretsException(missing);
		}
		return this;
	}

}
