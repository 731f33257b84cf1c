package dev.protostar.contract.crypto;

/**
 * A stored value that cannot be decrypted here. Names the field and the key id, which
 * tell an operator what to fix (usually: a key missing from {@code DATA_ENCRYPTION_KEYS}
 * of this application), and never the value.
 */
class UnreadableValueException extends IllegalStateException {

	UnreadableValueException(String field, String keyId, String reason) {
		super("cannot decrypt a value of " + field + " encrypted with key '" + keyId + "': " + reason);
	}

}
