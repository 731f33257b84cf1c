package dev.protostar.backend.account;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an {@link AdminEmailTakenException} into Spring Boot's "APPLICATION
 * FAILED TO START" report with what to do, instead of a stack trace. Registered
 * in META-INF/spring.factories.
 */
class AdminEmailTakenFailureAnalyzer extends AbstractFailureAnalyzer<AdminEmailTakenException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, AdminEmailTakenException cause) {
		return new FailureAnalysis(cause.getMessage() + ".",
				"Remove PROTOSTAR_ADMIN_EMAIL and PROTOSTAR_ADMIN_PASSWORD from the environment (in production: "
						+ "the host's .env) and create the first admin with the setup link that 'protostar up' "
						+ "prints ('protostar admin reset-link' makes a new one), or set PROTOSTAR_ADMIN_EMAIL to an "
						+ "address nobody has registered; then start again.",
				cause);
	}

}
