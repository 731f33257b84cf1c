package dev.protostar.contract.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Encrypts conversation data before it is stored (PostgreSQL) or queued (Redis), and
 * decrypts it when read, so that neither the database, its backups nor Redis hold what
 * employees asked and were answered. AES-256-GCM from the JDK: a random 96-bit nonce per
 * value, a 128-bit tag, and the field's name ({@link EncryptedFields}) with the key id
 * as associated data, so a value decrypts only where it was written.
 * <p>
 * The stored form is text, so it fits the existing columns:
 * {@code pse1:<keyId>:<base64url(nonce ‖ ciphertext ‖ tag)>}. A value without that form
 * is plaintext written before encryption (or while no key was active) and is returned
 * as it is: both forms are always readable, so turning encryption on needs no migration
 * of existing rows.
 * <p>
 * The keys come from the environment, never from the database or the image
 * ({@link DataEncryptionProperties}): {@code DATA_ENCRYPTION_KEYS}, every key any
 * application may meet, and {@code DATA_ENCRYPTION_ACTIVE_KEY}, the one new values are
 * written with (empty: written in plaintext, still read either way). Why two settings:
 * during a blue/green deploy two releases, and the worker, run side by side; a value
 * written with a key an instance does not have would be unreadable to it. So a key is
 * first added everywhere (one redeploy), and only then made active (a second one): by
 * the time anything writes with a key, every colour and every worker can read it.
 * Retiring a key is the same in reverse, once no stored value uses it.
 * <p>
 * Thread-safe.
 */
public final class DataCipher {

	/** What every stored value starts with; the digit is the format's version. */
	static final String PREFIX = "pse1:";

	/**
	 * What plaintext that would read as a stored value (or as such an escape) is
	 * written with while no key is active: a user may type {@code pse1:k1:} and 38
	 * base64url characters, and their message must not then be taken for a
	 * ciphertext, which no key would open. Removed again on reading.
	 */
	static final String PLAIN_PREFIX = "pse0:";

	/** What a key id may be: short, and safe in the stored form and in logs. */
	static final Pattern KEY_ID = Pattern.compile("[a-z0-9-]{1,32}");

	static final int KEY_BYTES = 32;

	private static final int NONCE_BYTES = 12;

	private static final int TAG_BITS = 128;

	/**
	 * The whole stored form: a nonce and a tag alone are 28 bytes, 38 characters of
	 * base64url. Only a value that matches all of it is taken for a ciphertext, so
	 * ordinary text that merely starts like one stays text.
	 */
	private static final Pattern STORED = Pattern.compile("pse1:([a-z0-9-]{1,32}):([A-Za-z0-9_-]{38,})");

	/** The jsonb object an encrypted JSON value is stored as, so the column keeps its type. */
	static final String JSON_FIELD = "encrypted";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final SecureRandom RANDOM = new SecureRandom();

	private final Map<String, SecretKey> keys;

	private final String activeKeyId;

	private DataCipher(Map<String, SecretKey> keys, String activeKeyId) {
		this.keys = keys;
		this.activeKeyId = activeKeyId;
	}

	/** No keys: writes plaintext, reads plaintext, refuses every ciphertext (its key is unknown). */
	public static DataCipher plaintext() {
		return new DataCipher(Map.of(), null);
	}

	/**
	 * The cipher these settings describe.
	 * @param keys {@code DATA_ENCRYPTION_KEYS}: comma-separated {@code id:base64} entries,
	 * each a 32-byte key (standard or URL-safe base64, padding optional) under an id of 1
	 * to 32 of {@code a-z 0-9 -}; blank: none
	 * @param activeKey {@code DATA_ENCRYPTION_ACTIVE_KEY}: the id of one of those keys to
	 * write with; blank: write plaintext
	 * @throws InvalidEncryptionSettingsException naming the variable and, where it helps,
	 * the entry's position or id; never a key
	 */
	public static DataCipher of(String keys, String activeKey) {
		Map<String, SecretKey> parsed = new LinkedHashMap<>();
		String[] entries = (keys != null) ? keys.split(",", -1) : new String[0];
		for (int i = 0; i < entries.length; i++) {
			String entry = entries[i].strip();
			if (entry.isEmpty()) {
				// An empty variable, or a trailing comma: nothing to read.
				continue;
			}
			int colon = entry.indexOf(':');
			String id = (colon > 0) ? entry.substring(0, colon) : "";
			if (!KEY_ID.matcher(id).matches()) {
				throw new InvalidEncryptionSettingsException(DataEncryptionProperties.KEYS_VARIABLE, "entry " + (i + 1)
						+ " is not id:base64-key, with an id of 1 to 32 lowercase letters, digits or '-'");
			}
			if (parsed.containsKey(id)) {
				throw new InvalidEncryptionSettingsException(DataEncryptionProperties.KEYS_VARIABLE,
						"key id '" + id + "' appears twice; each id must name one key");
			}
			parsed.put(id, key(id, entry.substring(colon + 1).strip()));
		}
		String active = (activeKey != null && !activeKey.isBlank()) ? activeKey.strip() : null;
		if (active != null && !parsed.containsKey(active)) {
			throw new InvalidEncryptionSettingsException(DataEncryptionProperties.ACTIVE_KEY_VARIABLE,
					"'" + (KEY_ID.matcher(active).matches() ? active : "(malformed)") + "' is not among the ids of "
							+ DataEncryptionProperties.KEYS_VARIABLE + " (" + (parsed.isEmpty() ? "none" : String.join(", ", parsed.keySet()))
							+ "); add the key there first, and make it active only once every application has it");
		}
		return new DataCipher(Collections.unmodifiableMap(parsed), active);
	}

	private static SecretKey key(String id, String base64) {
		byte[] bytes;
		try {
			bytes = Base64.getDecoder().decode(base64.replace('-', '+').replace('_', '/'));
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidEncryptionSettingsException(DataEncryptionProperties.KEYS_VARIABLE,
					"key '" + id + "' is not base64");
		}
		if (bytes.length != KEY_BYTES) {
			throw new InvalidEncryptionSettingsException(DataEncryptionProperties.KEYS_VARIABLE,
					"key '" + id + "' is " + bytes.length + " bytes; AES-256 needs " + KEY_BYTES
							+ " (e.g. `openssl rand -base64 32`)");
		}
		return new SecretKeySpec(bytes, "AES");
	}

	/** Whether new values are encrypted (a key is active). */
	public boolean encrypts() {
		return this.activeKeyId != null;
	}

	/** The key new values are written with; null when they are written in plaintext. */
	public String activeKeyId() {
		return this.activeKeyId;
	}

	/** Whether the value has the stored form of a ciphertext (whatever its key). */
	public static boolean isEncrypted(String value) {
		return value != null && value.startsWith(PREFIX) && STORED.matcher(value).matches();
	}

	/**
	 * @param value the plaintext; null stays null
	 * @param field what the value is, from {@link EncryptedFields}; the same name
	 * decrypts it
	 * @return the stored form with the active key; with none, the value itself (escaped
	 * with {@link #PLAIN_PREFIX} when it would otherwise read as a stored value)
	 */
	public String encrypt(String value, String field) {
		if (value == null) {
			return null;
		}
		if (this.activeKeyId == null) {
			return (isEncrypted(value) || value.startsWith(PLAIN_PREFIX)) ? PLAIN_PREFIX + value : value;
		}
		byte[] nonce = new byte[NONCE_BYTES];
		RANDOM.nextBytes(nonce);
		try {
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(Cipher.ENCRYPT_MODE, this.keys.get(this.activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
			cipher.updateAAD(associatedData(this.activeKeyId, field));
			byte[] sealed = cipher.doFinal(value.getBytes(StandardCharsets.UTF_8));
			byte[] stored = new byte[NONCE_BYTES + sealed.length];
			System.arraycopy(nonce, 0, stored, 0, NONCE_BYTES);
			System.arraycopy(sealed, 0, stored, NONCE_BYTES, sealed.length);
			return PREFIX + this.activeKeyId + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(stored);
		}
		catch (GeneralSecurityException ex) {
			// AES-GCM is in every JDK; this is a broken runtime, not a bad value.
			throw new IllegalStateException("AES-GCM encryption failed with key '" + this.activeKeyId + "'", ex);
		}
	}

	/**
	 * @param value as stored: a ciphertext, or plaintext written before encryption
	 * (returned as it is); null stays null
	 * @param field the name it was encrypted for, from {@link EncryptedFields}
	 * @throws UnreadableValueException when its key is unknown here, or it does not
	 * authenticate (altered, moved from another field, or encrypted by another key under
	 * the same id); the message names the key id and the field, never the value
	 */
	public String decrypt(String value, String field) {
		if (value != null && value.startsWith(PLAIN_PREFIX)) {
			return value.substring(PLAIN_PREFIX.length());
		}
		if (value == null || !value.startsWith(PREFIX)) {
			return value;
		}
		Matcher stored = STORED.matcher(value);
		if (!stored.matches()) {
			return value;
		}
		String keyId = stored.group(1);
		SecretKey key = this.keys.get(keyId);
		if (key == null) {
			throw new UnreadableValueException(field, keyId, "that key is not in "
					+ DataEncryptionProperties.KEYS_VARIABLE + " (" + (this.keys.isEmpty() ? "none is set" : "it has: "
							+ String.join(", ", this.keys.keySet())) + ")");
		}
		byte[] bytes;
		try {
			bytes = Base64.getUrlDecoder().decode(stored.group(2));
		}
		catch (IllegalArgumentException ex) {
			throw new UnreadableValueException(field, keyId, "it is not valid base64url");
		}
		try {
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
			cipher.updateAAD(associatedData(keyId, field));
			return new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
		}
		catch (AEADBadTagException ex) {
			throw new UnreadableValueException(field, keyId, "it does not authenticate: altered, written for another"
					+ " field, or encrypted with another key of that id");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES-GCM decryption failed with key '" + keyId + "'", ex);
		}
	}

	/**
	 * A JSON value for a jsonb column: encrypted, it is stored as the object
	 * {@code {"encrypted": "<stored form>"}}, so the column keeps its type and a release
	 * that does not decrypt still reads valid JSON.
	 * @param json JSON text
	 * @return JSON text: that object, or {@code json} itself when no key is active
	 */
	public String encryptJson(String json, String field) {
		if (json == null || this.activeKeyId == null) {
			return json;
		}
		return JSON.writeValueAsString(JSON.createObjectNode().put(JSON_FIELD, encrypt(json, field)));
	}

	/**
	 * @param json JSON text as stored
	 * @return the decrypted JSON text when {@code json} is an object whose only field is
	 * {@code encrypted} holding a ciphertext; otherwise {@code json} itself
	 * @throws UnreadableValueException as {@link #decrypt}
	 */
	public String decryptJson(String json, String field) {
		// Cheap test first: most metadata was never encrypted, and parsing is not free.
		if (json == null || !json.contains(PREFIX)) {
			return json;
		}
		JsonNode node;
		try {
			node = JSON.readTree(json);
		}
		catch (JacksonException ex) {
			return json;
		}
		JsonNode value = node.get(JSON_FIELD);
		if (node.isObject() && node.size() == 1 && value != null && value.isString()
				&& isEncrypted(value.stringValue())) {
			return decrypt(value.stringValue(), field);
		}
		return json;
	}

	private static byte[] associatedData(String keyId, String field) {
		return (PREFIX + keyId + ":" + field).getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public String toString() {
		// Ids only: a key never reaches a log or a failure report.
		return "DataCipher[keys=" + this.keys.keySet() + ", active=" + ((this.activeKeyId != null) ? this.activeKeyId : "none") + "]";
	}

}
