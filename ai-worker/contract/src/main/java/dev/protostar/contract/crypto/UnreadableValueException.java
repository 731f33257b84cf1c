package dev.protostar.contract.crypto;

/**
 * A stored value that cannot be decrypted here. Names the field and the key id, which
 * tell an operator what to fix (usually: a key missing from {@code DATA_ENCRYPTION_KEYS}
 * of this application), and never the value.
 */
public class UnreadableValueException extends IllegalStateException {

	private final String keyId;

	UnreadableValueException(String field, String keyId, String reason) {
		super("cannot decrypt a value of " + field + " encrypted with key '" + keyId + "': " + reason);
		this.keyId = keyId;
	}

	/** The id of the key the value names (one this application may not have). */
	public String keyId() {
		return this.keyId;
	}

}
