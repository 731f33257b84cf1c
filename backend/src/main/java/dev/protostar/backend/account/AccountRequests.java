package dev.protostar.backend.account;

import java.util.Locale;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import dev.protostar.backend.tier.Tier;

/** Request bodies of the account endpoints, validated before a controller runs. */
final class AccountRequests {

	static final int PASSWORD_MIN = 10;

	static final int PASSWORD_MAX = 128;

	private AccountRequests() {
	}

	/** Emails compare case-insensitively; stored and looked up in one form. */
	static String normaliseEmail(String email) {
		return (email != null) ? email.strip().toLowerCase(Locale.ROOT) : null;
	}

	/**
	 * @param email lower-cased and stripped on arrival, so the checks see what
	 * is stored
	 * @param password 10 to 128 characters, kept exactly as sent (spaces
	 * included); the upper bound keeps hashing cost bounded
	 * @param displayName shown to others; stored as sent, escaped by whoever
	 * renders it
	 */
	record Signup(
			@NotBlank(message = "is required") @Size(max = 254, message = "must be at most 254 characters")
			@Email(regexp = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+", message = "must be an email address") String email,
			@NotNull(message = "is required")
			@Size(min = PASSWORD_MIN, max = PASSWORD_MAX, message = "must be 10 to 128 characters") String password,
			@NotBlank(message = "is required") @Size(max = 64, message = "must be at most 64 characters")
			@Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters") String displayName,
			@Size(max = 256, message = "must be at most 256 characters") String inviteToken) {

		Signup {
			email = normaliseEmail(email);
			inviteToken = (inviteToken == null || inviteToken.isBlank()) ? null : inviteToken.strip();
		}

		@Override
		public String toString() {
			return "Signup[password=***]";
		}

	}

	/**
	 * Creates an ADMIN account with a setup link's token; the account fields are
	 * checked as at signup.
	 *
	 * @param token from the link's fragment ({@code /setup#token=...})
	 */
	record Setup(@NotBlank(message = "is required") @Size(max = 256, message = "must be at most 256 characters") String token,
			@NotBlank(message = "is required") @Size(max = 254, message = "must be at most 254 characters")
			@Email(regexp = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+", message = "must be an email address") String email,
			@NotNull(message = "is required")
			@Size(min = PASSWORD_MIN, max = PASSWORD_MAX, message = "must be 10 to 128 characters") String password,
			@NotBlank(message = "is required") @Size(max = 64, message = "must be at most 64 characters")
			@Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters") String displayName) {

		Setup {
			email = normaliseEmail(email);
		}

		@Override
		public String toString() {
			return "Setup[***]";
		}

	}

	/**
	 * An admin's invite.
	 *
	 * @param email when set, only this address may sign up with it
	 * @param tier the new account's tier, GUEST when absent; never ADMIN
	 * @param expiresInHours 1 to 720 (30 days), 168 (7 days) when absent
	 */
	record InviteCreation(@Size(max = 254, message = "must be at most 254 characters")
			@Email(regexp = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+", message = "must be an email address") String email,
			Tier tier,
			@Min(value = 1, message = "must be 1 to 720") @Max(value = 720, message = "must be 1 to 720") Integer expiresInHours) {

		InviteCreation {
			email = (email == null || email.isBlank()) ? null : normaliseEmail(email);
			tier = (tier != null) ? tier : Tier.GUEST;
			expiresInHours = (expiresInHours != null) ? expiresInHours : 168;
		}

	}

	record Login(@NotBlank(message = "is required") @Size(max = 254, message = "must be at most 254 characters") String email,
			@NotNull(message = "is required") @Size(max = PASSWORD_MAX,
					message = "must be at most 128 characters") String password) {

		Login {
			email = normaliseEmail(email);
		}

		@Override
		public String toString() {
			return "Login[password=***]";
		}

	}

	record RefreshToken(@NotBlank(message = "is required") @Size(max = 256,
			message = "must be at most 256 characters") String refreshToken) {

		@Override
		public String toString() {
			return "RefreshToken[***]";
		}

	}

	record TierChange(@NotNull(message = "is required") Tier tier) {
	}

	/**
	 * @param currentPassword proves that the caller is the user, not merely the
	 * holder of a stolen access token
	 * @param newPassword checked as at signup, and must differ from the current one
	 */
	record PasswordChange(@NotNull(message = "is required") @Size(max = PASSWORD_MAX,
			message = "must be at most 128 characters") String currentPassword,
			@NotNull(message = "is required") @Size(min = PASSWORD_MIN, max = PASSWORD_MAX,
					message = "must be 10 to 128 characters") String newPassword) {

		@Override
		public String toString() {
			return "PasswordChange[***]";
		}

	}

}
