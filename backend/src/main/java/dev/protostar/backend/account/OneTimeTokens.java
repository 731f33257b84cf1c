package dev.protostar.backend.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The tokens of setup links and invites: 256 random bits as 64 hex digits,
 * stored only as the SHA-256 (hex) of that text. {@code protostar admin
 * reset-link} makes setup tokens the same way in bash (the same text, the same
 * hash), so either side can make one the other accepts.
 */
final class OneTimeTokens {

	private static final SecureRandom random = new SecureRandom();

	private OneTimeTokens() {
	}

	static String generate() {
		byte[] bytes = new byte[32];
		random.nextBytes(bytes);
		return HexFormat.of().formatHex(bytes);
	}

	static String hash(String token) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every Java runtime has SHA-256", ex);
		}
	}

}
