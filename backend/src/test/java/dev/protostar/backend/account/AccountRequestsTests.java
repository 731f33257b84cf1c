package dev.protostar.backend.account;

import java.util.Set;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The validation rules of the request bodies, one bad value per test. */
class AccountRequestsTests {

	private static jakarta.validation.ValidatorFactory factory;

	private static Validator validator;

	@BeforeAll
	static void createValidator() {
		factory = Validation.buildDefaultValidatorFactory();
		validator = factory.getValidator();
	}

	@AfterAll
	static void closeValidator() {
		factory.close();
	}

	@Test
	void validSignupPasses() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "0123456789", "Vega", null))).isEmpty();
	}

	@Test
	void emailIsStrippedAndLowerCased() {
		assertThat(new AccountRequests.Signup("  Vega@Example.ORG\t", "0123456789", "Vega", null).email())
			.isEqualTo("vega@example.org");
	}

	@Test
	void missingEmail() {
		assertThat(violations(new AccountRequests.Signup(null, "0123456789", "Vega", null))).containsExactly("email");
	}

	@Test
	void emailWithoutDomain() {
		assertThat(violations(new AccountRequests.Signup("vega@", "0123456789", "Vega", null))).containsExactly("email");
	}

	@Test
	void emailWithoutDotInDomain() {
		assertThat(violations(new AccountRequests.Signup("vega@localhost", "0123456789", "Vega", null)))
			.containsExactly("email");
	}

	@Test
	void emailTooLong() {
		assertThat(violations(new AccountRequests.Signup("a".repeat(250) + "@x.org", "0123456789", "Vega", null)))
			.containsExactly("email");
	}

	@Test
	void passwordOfNineCharacters() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "012345678", "Vega", null)))
			.containsExactly("password");
	}

	@Test
	void passwordOf129Characters() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "x".repeat(129), "Vega", null)))
			.containsExactly("password");
	}

	@Test
	void passwordOf128CharactersPasses() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "x".repeat(128), "Vega", null))).isEmpty();
	}

	@Test
	void missingPassword() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", null, "Vega", null)))
			.containsExactly("password");
	}

	@Test
	void blankDisplayName() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "0123456789", "   ", null)))
			.containsExactly("displayName");
	}

	@Test
	void displayNameTooLong() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "0123456789", "x".repeat(65), null)))
			.containsExactly("displayName");
	}

	@Test
	void displayNameWithControlCharacter() {
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "0123456789", "Ve\u0000ga", null)))
			.containsExactly("displayName");
	}

	@Test
	void displayNameWithMarkupAndQuotesPasses() {
		// Stored as sent; escaping is the renderer's job.
		assertThat(violations(new AccountRequests.Signup("vega@example.org", "0123456789",
				"<b>Robert'); DROP TABLE users;--</b>", null)))
			.isEmpty();
	}

	@Test
	void toStringHidesThePassword() {
		assertThat(new AccountRequests.Signup("vega@example.org", "secret-password", "Vega", null).toString())
			.doesNotContain("secret-password");
		assertThat(new AccountRequests.Login("vega@example.org", "secret-password").toString())
			.doesNotContain("secret-password");
	}

	private static <T> Set<String> violations(T request) {
		Set<ConstraintViolation<T>> violations = validator.validate(request);
		return violations.stream()
			.map((violation) -> violation.getPropertyPath().toString())
			.collect(java.util.stream.Collectors.toSet());
	}

}
