package dev.protostar.contract.secrets;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link MissingSecretsException} into Spring Boot's "APPLICATION FAILED TO
 * START" report, which names the variables, instead of a stack trace. Registered in
 * META-INF/spring.factories.
 */
class MissingSecretsFailureAnalyzer extends AbstractFailureAnalyzer<MissingSecretsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, MissingSecretsException cause) {
		return new FailureAnalysis(cause.getMessage() + ".",
				"Set " + String.join(", ", cause.variables())
						+ " in the environment (in production: the host's .env), then start again.",
				cause);
	}

}
