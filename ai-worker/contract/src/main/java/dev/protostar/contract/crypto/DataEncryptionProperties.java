package dev.protostar.contract.crypto;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The keys of conversation data at rest, under {@code protostar.data-encryption}, bound
 * from the environment by both applications alike (see each application.properties):
 * the backend and the worker write and read the same rows, so they need the same keys.
 * Kept as text here and parsed by {@link DataCipher#of}, whose errors name the variable
 * and never print a key (a binding error would print the value). See {@link DataCipher}
 * for why adding a key and making it active are two steps.
 *
 * @param keys every key a stored value may use: comma-separated {@code id:base64}
 * entries of 32 bytes each (env {@code DATA_ENCRYPTION_KEYS}); empty: none
 * @param activeKey the id of the key new values are written with (env
 * {@code DATA_ENCRYPTION_ACTIVE_KEY}); empty: new values are written in plaintext,
 * stored ciphertexts are still read
 */
@ConfigurationProperties("protostar.data-encryption")
record DataEncryptionProperties(@DefaultValue("") String keys, @DefaultValue("") String activeKey) {

	static final String KEYS_VARIABLE = "DATA_ENCRYPTION_KEYS";

	static final String ACTIVE_KEY_VARIABLE = "DATA_ENCRYPTION_ACTIVE_KEY";

	@Override
	public String toString() {
		// Keep the keys out of logs and failure reports.
		return "DataEncryptionProperties[keys=***, activeKey=" + this.activeKey + "]";
	}

}
