package dev.protostar.contract.crypto;

import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class DataCipherTests {

	static final String KEY_1 = Base64.getEncoder().encodeToString(bytes(32, 1));

	static final String KEY_2 = Base64.getEncoder().encodeToString(bytes(32, 2));

	private static final String FIELD = EncryptedFields.MESSAGE_CONTENT;

	private final DataCipher cipher = DataCipher.of("k1:" + KEY_1 + ",k2:" + KEY_2, "k2");

	@Test
	void aValueComesBackAsItWasWithTheActiveKeyNamed() {
		String stored = this.cipher.encrypt("연차는 며칠인가요? How many days of leave?", FIELD);

		assertThat(stored).startsWith("pse1:k2:").doesNotContain("leave");
		assertThat(DataCipher.isEncrypted(stored)).isTrue();
		assertThat(this.cipher.decrypt(stored, FIELD)).isEqualTo("연차는 며칠인가요? How many days of leave?");
		assertThat(this.cipher.encrypt("", FIELD)).satisfies((empty) -> assertThat(this.cipher.decrypt(empty, FIELD))
			.isEmpty());
	}

	@Test
	void eachValueHasItsOwnNonce() {
		String first = this.cipher.encrypt("the same question", FIELD);
		String second = this.cipher.encrypt("the same question", FIELD);

		assertThat(first).isNotEqualTo(second);
		assertThat(nonce(first)).isNotEqualTo(nonce(second));
	}

	@Test
	void valuesOfAKeyNoLongerActiveAreStillRead() {
		String old = DataCipher.of("k1:" + KEY_1, "k1").encrypt("written before the rotation", FIELD);

		assertThat(this.cipher.decrypt(old, FIELD)).isEqualTo("written before the rotation");
	}

	@Test
	void plaintextThatLooksLikeAStoredValueIsWrittenSoThatItStaysText() {
		String lookalike = this.cipher.encrypt("anything", FIELD);
		DataCipher noKey = DataCipher.plaintext();

		String stored = noKey.encrypt(lookalike, FIELD);
		assertThat(stored).isEqualTo("pse0:" + lookalike);
		assertThat(noKey.decrypt(stored, FIELD)).isEqualTo(lookalike);
		assertThat(this.cipher.decrypt(stored, FIELD)).isEqualTo(lookalike);
		// The escape itself, typed by a user, survives too; other text is left alone.
		assertThat(noKey.decrypt(noKey.encrypt("pse0:x", FIELD), FIELD)).isEqualTo("pse0:x");
		assertThat(noKey.encrypt("pse1: is our file format", FIELD)).isEqualTo("pse1: is our file format");
	}

	@Test
	void plaintextFromBeforeEncryptionIsReadAsItIs() {
		assertThat(this.cipher.decrypt("How many days?", FIELD)).isEqualTo("How many days?");
		assertThat(this.cipher.decrypt(null, FIELD)).isNull();
		// Text that only starts like a stored value is text.
		assertThat(this.cipher.decrypt("pse1: is our file format", FIELD)).isEqualTo("pse1: is our file format");
		assertThat(this.cipher.decrypt("pse1:k1:short", FIELD)).isEqualTo("pse1:k1:short");
	}

	@Test
	void withoutAnActiveKeyValuesAreWrittenInPlaintextAndCiphertextsStillRead() {
		DataCipher reading = DataCipher.of("k2:" + KEY_2, "");
		String stored = this.cipher.encrypt("secret question", FIELD);

		assertThat(reading.encrypts()).isFalse();
		assertThat(reading.encrypt("plain question", FIELD)).isEqualTo("plain question");
		assertThat(reading.encryptJson("{\"citations\":[]}", EncryptedFields.MESSAGE_METADATA))
			.isEqualTo("{\"citations\":[]}");
		assertThat(reading.decrypt(stored, FIELD)).isEqualTo("secret question");
	}

	@Test
	void anAlteredCiphertextOrTagIsRefused() {
		String stored = this.cipher.encrypt("How many days of leave?", FIELD);
		byte[] bytes = Base64.getUrlDecoder().decode(stored.substring("pse1:k2:".length()));
		byte[] ciphertext = bytes.clone();
		ciphertext[12] ^= 1;
		byte[] tag = bytes.clone();
		tag[tag.length - 1] ^= 1;

		for (byte[] altered : new byte[][] { ciphertext, tag }) {
			assertThatExceptionOfType(UnreadableValueException.class)
				.isThrownBy(() -> this.cipher.decrypt("pse1:k2:" + Base64.getUrlEncoder().withoutPadding()
					.encodeToString(altered), FIELD))
				.withMessage("cannot decrypt a value of messages.content encrypted with key 'k2': it does not"
						+ " authenticate: altered, written for another field, or encrypted with another key of that id")
				.withMessageNotContaining("leave");
		}
	}

	@Test
	void aValueMovedToAnotherFieldIsRefused() {
		String content = this.cipher.encrypt("How many days of leave?", EncryptedFields.MESSAGE_CONTENT);

		assertThatExceptionOfType(UnreadableValueException.class)
			.isThrownBy(() -> this.cipher.decrypt(content, EncryptedFields.CONVERSATION_TITLE))
			.withMessageStartingWith("cannot decrypt a value of conversations.title encrypted with key 'k2'");
	}

	@Test
	void aValueRelabelledWithAnotherKeyIdIsRefused() {
		// Even were both ids the same key, the id is part of what authenticates.
		DataCipher twins = DataCipher.of("k1:" + KEY_1 + ",k1-copy:" + KEY_1, "k1");
		String stored = twins.encrypt("How many days?", FIELD);

		assertThatExceptionOfType(UnreadableValueException.class)
			.isThrownBy(() -> twins.decrypt(stored.replace("pse1:k1:", "pse1:k1-copy:"), FIELD))
			.withMessageContaining("key 'k1-copy': it does not authenticate");
	}

	@Test
	void anUnknownKeyIdIsNamedAndTheValueIsNot() {
		String stored = DataCipher.of("k9:" + KEY_1, "k9").encrypt("How many days of leave?", FIELD);

		assertThatExceptionOfType(UnreadableValueException.class).isThrownBy(() -> this.cipher.decrypt(stored, FIELD))
			.withMessage("cannot decrypt a value of messages.content encrypted with key 'k9': that key is not in"
					+ " DATA_ENCRYPTION_KEYS (it has: k1, k2)")
			.withMessageNotContaining(stored.substring(8));
		assertThatExceptionOfType(UnreadableValueException.class)
			.isThrownBy(() -> DataCipher.plaintext().decrypt(stored, FIELD))
			.withMessageEndingWith("(none is set)");
	}

	@Test
	void jsonIsStoredAsAnObjectHoldingTheCiphertext() {
		String metadata = "{\"citations\":[{\"n\":1,\"quote\":\"15 days of paid leave\"}],\"provider\":\"offline\"}";

		String stored = this.cipher.encryptJson(metadata, EncryptedFields.MESSAGE_METADATA);

		assertThat(stored).startsWith("{\"encrypted\":\"pse1:k2:").doesNotContain("paid leave").doesNotContain("offline");
		assertThat(this.cipher.decryptJson(stored, EncryptedFields.MESSAGE_METADATA)).isEqualTo(metadata);
		// Plaintext JSON, and objects that merely have such a field, are left as they are.
		assertThat(this.cipher.decryptJson(metadata, EncryptedFields.MESSAGE_METADATA)).isEqualTo(metadata);
		String more = "{\"encrypted\":\"pse1:k2:" + "A".repeat(40) + "\",\"resultCode\":\"X\"}";
		assertThat(this.cipher.decryptJson(more, EncryptedFields.MESSAGE_METADATA)).isEqualTo(more);
		assertThat(this.cipher.decryptJson("{}", EncryptedFields.MESSAGE_METADATA)).isEqualTo("{}");
	}

	@Test
	void settingsAreReadFromTheEnvironmentsNames() {
		DataCipher bound = cipher(Map.of("protostar.data-encryption.keys",
				" k1:" + KEY_1 + " , k2:" + KEY_2.replace('+', '-').replace('/', '_').replace("=", "") + ",",
				"protostar.data-encryption.active-key", "k1"));

		assertThat(bound.activeKeyId()).isEqualTo("k1");
		assertThat(bound.toString()).isEqualTo("DataCipher[keys=[k1, k2], active=k1]");
		assertThat(bound.decrypt(this.cipher.encrypt("x", FIELD), FIELD)).isEqualTo("x");
		DataCipher empty = cipher(Map.of());
		assertThat(empty.encrypts()).isFalse();
		assertThat(empty.toString()).isEqualTo("DataCipher[keys=[], active=none]");
	}

	@Test
	void invalidSettingsNameTheVariableAndNeverAKey() {
		assertInvalid("k1:" + KEY_1 + ",K2:" + KEY_2, "", "DATA_ENCRYPTION_KEYS: entry 2 is not id:base64-key, with"
				+ " an id of 1 to 32 lowercase letters, digits or '-'");
		assertInvalid(KEY_1, "", "DATA_ENCRYPTION_KEYS: entry 1 is not id:base64-key, with an id of 1 to 32"
				+ " lowercase letters, digits or '-'");
		assertInvalid("k1:" + KEY_1 + ",k1:" + KEY_2, "k1",
				"DATA_ENCRYPTION_KEYS: key id 'k1' appears twice; each id must name one key");
		assertInvalid("k1:" + Base64.getEncoder().encodeToString(bytes(16, 1)), "",
				"DATA_ENCRYPTION_KEYS: key 'k1' is 16 bytes; AES-256 needs 32 (e.g. `openssl rand -base64 32`)");
		assertInvalid("k1:not*base64!", "", "DATA_ENCRYPTION_KEYS: key 'k1' is not base64");
		assertInvalid("k1:" + KEY_1, "k2", "DATA_ENCRYPTION_ACTIVE_KEY: 'k2' is not among the ids of"
				+ " DATA_ENCRYPTION_KEYS (k1); add the key there first, and make it active only once every"
				+ " application has it");
		assertInvalid("", "k1", "DATA_ENCRYPTION_ACTIVE_KEY: 'k1' is not among the ids of DATA_ENCRYPTION_KEYS"
				+ " (none); add the key there first, and make it active only once every application has it");
	}

	@Test
	void aFailedStartSaysWhatToFix() {
		InvalidEncryptionSettingsException invalid = null;
		try {
			DataCipher.of("k1:" + KEY_1, "k3");
		}
		catch (InvalidEncryptionSettingsException ex) {
			invalid = ex;
		}
		assertThat(invalid).isNotNull();
		FailureAnalysis analysis = new InvalidEncryptionSettingsFailureAnalyzer()
			.analyze(new IllegalStateException("context failed", invalid));
		assertThat(analysis.getDescription()).startsWith("DATA_ENCRYPTION_ACTIVE_KEY: 'k3' is not among")
			.doesNotContain(KEY_1);
		assertThat(analysis.getAction()).startsWith("Fix DATA_ENCRYPTION_ACTIVE_KEY in the environment");
	}

	@Test
	void theSettingsStayOutOfLogs() {
		DataEncryptionProperties properties = new Binder(new MapConfigurationPropertySource(
				Map.of("protostar.data-encryption.keys", "k1:" + KEY_1, "protostar.data-encryption.active-key", "k1")))
			.bindOrCreate("protostar.data-encryption", DataEncryptionProperties.class);
		assertThat(properties.keys()).isEqualTo("k1:" + KEY_1);
		assertThat(properties.toString()).doesNotContain(KEY_1).contains("activeKey=k1");
	}

	/** The bean both applications get, from these properties. */
	private static DataCipher cipher(Map<String, String> properties) {
		return new DataEncryptionConfiguration().dataCipher(new Binder(new MapConfigurationPropertySource(properties))
			.bindOrCreate("protostar.data-encryption", DataEncryptionProperties.class));
	}

	private static void assertInvalid(String keys, String active, String message) {
		assertThatExceptionOfType(InvalidEncryptionSettingsException.class).isThrownBy(() -> DataCipher.of(keys, active))
			.withMessage(message)
			.withMessageNotContaining(KEY_1)
			.withMessageNotContaining(KEY_2);
	}

	private static String nonce(String stored) {
		byte[] bytes = Base64.getUrlDecoder().decode(stored.substring(stored.lastIndexOf(':') + 1));
		return Base64.getEncoder().encodeToString(Arrays.copyOf(bytes, 12));
	}

	private static byte[] bytes(int length, int seed) {
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i++) {
			bytes[i] = (byte) (seed * 31 + i);
		}
		return bytes;
	}

}
