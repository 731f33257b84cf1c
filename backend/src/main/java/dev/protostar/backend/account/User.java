package dev.protostar.backend.account;

import java.time.Instant;
import java.util.UUID;

import dev.protostar.backend.security.SecurityState;
import dev.protostar.backend.tier.Tier;

/**
 * A row of {@code users}.
 *
 * @param securityVersion raised by every change of the tier or the sessions
 * @param tokensValidFrom access tokens issued at an older security version are
 * revoked
 * @param sessionsValidFrom sessions started at an older security version are
 * revoked
 * @param createdByBootstrap created by AdminBootstrap from
 * {@code PROTOSTAR_ADMIN_EMAIL}, the only account it may make an admin
 */
record User(UUID id, String email, String passwordHash, String displayName, Tier tier, boolean tierLocked,
		long questionsAsked, Instant createdAt, Instant updatedAt, long securityVersion, long tokensValidFrom,
		long sessionsValidFrom, boolean createdByBootstrap) {

	/** A new account: nothing revoked yet. */
	static User create(String email, String passwordHash, String displayName, Tier tier, boolean tierLocked,
			Instant now) {
		return new User(UUID.randomUUID(), email, passwordHash, displayName, tier, tierLocked, 0, now, now, 0, 0, 0,
				false);
	}

	/** The account AdminBootstrap creates: an admin it may recognise as its own at the next start. */
	static User createByBootstrap(String email, String passwordHash, Instant now) {
		return new User(UUID.randomUUID(), email, passwordHash, "Admin", Tier.ADMIN, true, 0, now, now, 0, 0, 0, true);
	}

	/** What the user's access tokens may do now. */
	SecurityState securityState() {
		return new SecurityState(this.tier, this.securityVersion, this.tokensValidFrom);
	}

	@Override
	public String toString() {
		// Keep the hash (and the address) out of logs.
		return "User[id=" + this.id + ", tier=" + this.tier + "]";
	}

}
