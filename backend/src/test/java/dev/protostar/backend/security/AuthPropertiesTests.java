package dev.protostar.backend.security;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AuthPropertiesTests {

	private static final Duration TTL = Duration.ofMinutes(15);

	@Test
	void secretOf31BytesIsRefusedNamingTheVariable() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AuthProperties("x".repeat(31), TTL, TTL))
			.withMessageContaining("JWT_SECRET must be at least 32 bytes");
	}

	@Test
	void secretOf32BytesIsAccepted() {
		assertThat(new AuthProperties("x".repeat(32), TTL, TTL).jwtSecret()).hasSize(32);
	}

	@Test
	void bytesCountNotCharacters() {
		// 16 characters, 32 bytes in UTF-8.
		assertThat(new AuthProperties("é".repeat(16), TTL, TTL).jwtSecret()).hasSize(16);
	}

	@Test
	void blankSecretIsLeftToTheProfile() {
		assertThat(new AuthProperties("", TTL, TTL).jwtSecret()).isEmpty();
	}

	@Test
	void zeroAccessTokenLifetimeIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AuthProperties("", Duration.ZERO, TTL))
			.withMessageContaining("JWT_ACCESS_TOKEN_TTL");
	}

	@Test
	void negativeRefreshTokenLifetimeIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AuthProperties("", TTL, Duration.ofDays(-1)))
			.withMessageContaining("JWT_REFRESH_TOKEN_TTL");
	}

	@Test
	void toStringHidesTheSecret() {
		assertThat(new AuthProperties("x".repeat(40), TTL, TTL).toString()).doesNotContain("xxxx");
	}

}
