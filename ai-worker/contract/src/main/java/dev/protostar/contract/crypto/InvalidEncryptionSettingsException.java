package dev.protostar.contract.crypto;

/**
 * {@code DATA_ENCRYPTION_KEYS} or {@code DATA_ENCRYPTION_ACTIVE_KEY} cannot be used; the
 * message names the variable and what is wrong with it, never a key.
 */
class InvalidEncryptionSettingsException extends IllegalStateException {

	private final String variable;

	InvalidEncryptionSettingsException(String variable, String problem) {
		super(variable + ": " + problem);
		this.variable = variable;
	}

	/** The environment variable to fix. */
	String variable() {
		return this.variable;
	}

}
