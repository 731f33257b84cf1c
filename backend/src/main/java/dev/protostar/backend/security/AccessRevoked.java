package dev.protostar.backend.security;

import java.util.UUID;

/**
 * Published (as an application event) when a user's access shrank: the tier
 * was lowered or sessions were revoked. Whatever the user holds open on the
 * strength of an earlier check (event streams) ends. Delivered after the
 * change is committed.
 *
 * @param userId whose access shrank
 * @param reason what happened, for the client: one of the constants below
 */
public record AccessRevoked(UUID userId, String reason) {

	/** An admin lowered the user's tier. */
	public static final String TIER_CHANGED = "tier-changed";

	/** The user signed out everywhere. */
	public static final String SIGNED_OUT = "signed-out";

	/** The user changed the password. */
	public static final String PASSWORD_CHANGED = "password-changed";

	/** The user revoked one of their sessions. */
	public static final String SESSION_REVOKED = "session-revoked";

	/** An admin revoked the user's sessions. */
	public static final String REVOKED_BY_ADMIN = "revoked-by-admin";

}
