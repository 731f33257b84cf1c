-- What a user's tokens may do, changed at once (backend API.md, "Tokens").
-- Access tokens carry the security_version they were issued at (claim "sv");
-- refresh-token families remember it too. The backend keeps a copy of tier
-- and these numbers in Redis (protostar:user:<id>) for the per-request check.
-- The release before this one ignores the columns, so a blue/green deploy
-- runs both against this schema.
ALTER TABLE users
    -- Raised by every change of the tier or of the sessions; orders the
    -- copies in Redis (an older one never overwrites a newer one).
    ADD COLUMN security_version    bigint NOT NULL DEFAULT 0 CHECK (security_version >= 0),
    -- Access tokens issued at an older security_version are revoked: set by
    -- a password change, "sign out everywhere", an admin's revocation and
    -- the revocation of one session.
    ADD COLUMN tokens_valid_from   bigint NOT NULL DEFAULT 0,
    -- Sessions (refresh-token families) started at an older security_version
    -- are revoked: set by everything above except revoking one session.
    ADD COLUMN sessions_valid_from bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT users_valid_from_issued
        CHECK (tokens_valid_from <= security_version AND sessions_valid_from <= tokens_valid_from);
