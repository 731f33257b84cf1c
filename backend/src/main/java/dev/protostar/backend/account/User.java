package dev.protostar.backend.account;

import java.time.Instant;
import java.util.UUID;

import dev.protostar.backend.tier.Tier;

/** A row of {@code users}. */
record User(UUID id, String email, String passwordHash, String displayName, Tier tier, boolean tierLocked,
		long questionsAsked, Instant createdAt, Instant updatedAt) {

	@Override
	public String toString() {
		// Keep the hash (and the address) out of logs.
		return "User[id=" + this.id + ", tier=" + this.tier + "]";
	}

}
