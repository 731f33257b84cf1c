package dev.protostar.backend.account;

import java.time.Instant;
import java.util.List;
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

	record Me(UUID id, String email, String displayName, Tier tier, TierLimits limits, Quota quota,
			Instant createdAt) {
	}

	/**
	 * The caller's daily questions.
	 * @param dailyQuestions the tier's questions per UTC day (null would mean
	 * unlimited; every tier has a limit today)
	 * @param usedToday questions counted since midnight UTC; null when the
	 * count cannot be read (Redis unavailable: the limit is not enforced then)
	 * @param resetsAt the next midnight UTC
	 */
	record Quota(Integer dailyQuestions, Long usedToday, Instant resetsAt) {
	}

	/**
	 * A user as the admins' list shows it.
	 * @param lastActiveAt the last sign-in or conversation activity, whichever
	 * is later; null when neither happened
	 */
	record UserSummary(UUID id, String email, String displayName, Tier tier, Instant createdAt,
			Instant lastActiveAt) {
	}

	/**
	 * One page of an admin's list, with the total count for a pager.
	 * @param hasMore whether a next page exists
	 * @param total items over all pages
	 */
	record CountedPage<T>(List<T> items, int page, int size, boolean hasMore, long total) {
	}

	/**
	 * One of the user's sessions (a login and its refreshes).
	 *
	 * @param id what {@code DELETE /api/me/sessions/{id}} takes
	 * @param device the User-Agent it was last used with (trimmed), or null
	 * @param address the client address it was last used from
	 * @param createdAt the login
	 * @param lastUsedAt the login or the last refresh
	 * @param expiresAt when it ends unless refreshed before
	 * @param current whether the asking access token belongs to it
	 */
	record SessionView(UUID id, String device, String address, Instant createdAt, Instant lastUsedAt,
			Instant expiresAt, boolean current) {
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

	/**
	 * An invite as admins see it; the token is shown once, at creation.
	 *
	 * @param email the only address that may use it, or null for anyone
	 * @param usedBy the account created with it, or null
	 */
	record InviteView(UUID id, String email, Tier tier, UUID createdBy, Instant createdAt, Instant expiresAt,
			Instant usedAt, UUID usedBy) {

		static InviteView of(InviteRepository.Invite invite) {
			return new InviteView(invite.id(), invite.email(), invite.tier(), invite.createdBy(), invite.createdAt(),
					invite.expiresAt(), invite.usedAt(), invite.usedBy());
		}

	}

	/**
	 * @param token the invite's secret, never shown again
	 * @param link what to send the invitee: {@code <public URL>/signup#invite=<token>}
	 * (in the fragment, so it never reaches an access log)
	 */
	record CreatedInvite(InviteView invite, String token, String link) {

		@Override
		public String toString() {
			return "CreatedInvite[" + this.invite.id() + "]";
		}

	}

}
