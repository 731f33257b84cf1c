package dev.protostar.backend.account;

import java.time.Instant;
import java.util.UUID;

import dev.protostar.backend.tier.Tier;
import dev.protostar.backend.tier.TierLimits;

/** Response payloads of the account endpoints (inside the envelope's {@code data}). */
final class AccountViews {

	private AccountViews() {
	}

	record UserView(UUID id, String email, String displayName, Tier tier, Instant createdAt) {

		static UserView of(User user) {
			return new UserView(user.id(), user.email(), user.displayName(), user.tier(), user.createdAt());
		}

	}

	record Me(UUID id, String email, String displayName, Tier tier, TierLimits limits, Instant createdAt) {
	}

	/**
	 * @param user who logged in
	 * @param accessToken JWT for {@code Authorization: Bearer}
	 * @param tokenType always {@code Bearer}
	 * @param expiresIn seconds the access token is valid
	 * @param refreshToken single-use token for {@code /api/auth/refresh}
	 * @param refreshExpiresIn seconds the refresh token is valid
	 */
	record Tokens(UserView user, String accessToken, String tokenType, long expiresIn, String refreshToken,
			long refreshExpiresIn) {

		@Override
		public String toString() {
			return "Tokens[user=" + this.user.id() + "]";
		}

	}

}
