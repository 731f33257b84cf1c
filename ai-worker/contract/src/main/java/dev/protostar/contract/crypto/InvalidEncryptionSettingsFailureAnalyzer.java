package dev.protostar.contract.crypto;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an {@link InvalidEncryptionSettingsException} into Spring Boot's "APPLICATION
 * FAILED TO START" report, which names the variable, instead of a stack trace.
 * Registered in META-INF/spring.factories.
 */
class InvalidEncryptionSettingsFailureAnalyzer extends AbstractFailureAnalyzer<InvalidEncryptionSettingsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidEncryptionSettingsException cause) {
		return new FailureAnalysis(cause.getMessage() + ".", "Fix " + cause.variable()
				+ " in the environment (in production: the host's .env; both applications read the same value),"
				+ " then start again.", cause);
	}

}
