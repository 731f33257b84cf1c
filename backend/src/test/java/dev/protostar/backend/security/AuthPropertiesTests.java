package dev.protostar.backend.security;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AuthPropertiesTests {

	private static final Duration TTL = Duration.ofMinutes(15);

	private static final Duration MAX_AGE = Duration.ofDays(30);

	@Test
	void secretOf31BytesIsRefusedNamingTheVariable() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("x".repeat(31), null, TTL, TTL, MAX_AGE))
			.withMessageContaining("JWT_SECRET must be at least 32 bytes");
	}

	@Test
	void secretOf32BytesIsAccepted() {
		assertThat(new AuthProperties("x".repeat(32), null, TTL, TTL, MAX_AGE).jwtSecret()).hasSize(32);
	}

	@Test
	void bytesCountNotCharacters() {
		// 16 characters, 32 bytes in UTF-8.
		assertThat(new AuthProperties("é".repeat(16), null, TTL, TTL, MAX_AGE).jwtSecret()).hasSize(16);
	}

	@Test
	void blankSecretIsLeftToTheProfile() {
		assertThat(new AuthProperties("", null, TTL, TTL, MAX_AGE).jwtSecret()).isEmpty();
	}

	@Test
	void zeroAccessTokenLifetimeIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("", null, Duration.ZERO, TTL, MAX_AGE))
			.withMessageContaining("JWT_ACCESS_TOKEN_TTL");
	}

	@Test
	void negativeRefreshTokenLifetimeIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("", null, TTL, Duration.ofDays(-1), MAX_AGE))
			.withMessageContaining("JWT_REFRESH_TOKEN_TTL");
	}

	@Test
	void previousSecretOf31BytesIsRefusedNamingTheVariable() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("x".repeat(32), "y".repeat(31), TTL, TTL, MAX_AGE))
			.withMessageContaining("JWT_PREVIOUS_SECRET must be at least 32 bytes");
	}

	@Test
	void zeroSessionMaxAgeIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AuthProperties("", null, TTL, TTL, Duration.ZERO))
			.withMessageContaining("JWT_SESSION_MAX_AGE");
	}

	@Test
	void toStringHidesTheSecret() {
		assertThat(new AuthProperties("x".repeat(40), "y".repeat(40), TTL, TTL, MAX_AGE).toString())
			.doesNotContain("xxxx")
			.doesNotContain("yyyy");
	}

}
