package dev.protostar.backend.security;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AuthPropertiesTests {

	private static final Duration TTL = Duration.ofMinutes(15);

	@Test
	void secretOf31BytesIsRefusedNamingTheVariable() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("x".repeat(31), null, TTL, TTL))
			.withMessageContaining("JWT_SECRET must be at least 32 bytes");
	}

	@Test
	void secretOf32BytesIsAccepted() {
		assertThat(new AuthProperties("x".repeat(32), null, TTL, TTL).jwtSecret()).hasSize(32);
	}

	@Test
	void bytesCountNotCharacters() {
		// 16 characters, 32 bytes in UTF-8.
		assertThat(new AuthProperties("é".repeat(16), null, TTL, TTL).jwtSecret()).hasSize(16);
	}

	@Test
	void blankSecretIsLeftToTheProfile() {
		assertThat(new AuthProperties("", null, TTL, TTL).jwtSecret()).isEmpty();
	}

	@Test
	void zeroAccessTokenLifetimeIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("", null, Duration.ZERO, TTL))
			.withMessageContaining("JWT_ACCESS_TOKEN_TTL");
	}

	@Test
	void negativeRefreshTokenLifetimeIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("", null, TTL, Duration.ofDays(-1)))
			.withMessageContaining("JWT_REFRESH_TOKEN_TTL");
	}

	@Test
	void previousSecretOf31BytesIsRefusedNamingTheVariable() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new AuthProperties("x".repeat(32), "y".repeat(31), TTL, TTL))
			.withMessageContaining("JWT_PREVIOUS_SECRET must be at least 32 bytes");
	}

	@Test
	void toStringHidesTheSecret() {
		assertThat(new AuthProperties("x".repeat(40), "y".repeat(40), TTL, TTL).toString())
			.doesNotContain("xxxx")
			.doesNotContain("yyyy");
	}

}
