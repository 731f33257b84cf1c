package dev.protostar.backend.audit;

/**
 * What an audit event records; stored by name in {@code audit_events.action} and
 * accepted by name in {@code GET /api/admin/audit?action=}. A feature that records a new
 * kind of event adds its constant here (names: upper case and underscores, at most 64).
 */
public enum AuditAction {

	/** A user signed in; detail: none. */
	LOGIN,

	/** A login was refused; detail: {@code email} tried (never the password). */
	LOGIN_FAILED,

	/** An account was created by signing up; detail: {@code invite}, {@code tier} when by invite. */
	SIGNUP,

	/** An administrator was created with a one-time setup link. */
	ADMIN_SETUP,

	/** An admin issued an invite link; detail: {@code invite}, {@code tier}. */
	INVITE_CREATED,

	/** An admin withdrew an invite; detail: {@code invite}. */
	INVITE_WITHDRAWN,

	/** One session ended by its refresh token. */
	LOGOUT,

	/** "Sign out everywhere": every session of the user. */
	LOGOUT_ALL,

	/** The user changed the password (every other session revoked). */
	PASSWORD_CHANGED,

	/** An admin set a user's tier; detail: {@code from}, {@code to}. */
	TIER_CHANGED,

	/** One session ended by its user, or all of a user's by an admin; detail: {@code session} or {@code scope}. */
	SESSION_REVOKED,

	/** A document was uploaded; detail: {@code document}, {@code filename}, {@code access}. */
	DOCUMENT_UPLOADED,

	/** A document was ingested again; detail: {@code document}, {@code job}. */
	DOCUMENT_REINDEXED,

	/** A document, its chunks and its file were deleted; detail: {@code document}. */
	DOCUMENT_DELETED

}
