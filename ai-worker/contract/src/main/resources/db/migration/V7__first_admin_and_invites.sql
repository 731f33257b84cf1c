-- The first administrator and who may sign up (backend API.md, "The first
-- administrator" and "Signup policy"). Only hashes of the links' tokens are
-- stored: the database (or a backup of it) holds nothing that creates an account.
-- The release before this one ignores the column and the tables, so a blue/green
-- deploy runs both against this schema.

-- Set on the account AdminBootstrap created from PROTOSTAR_ADMIN_EMAIL. The
-- bootstrap never promotes an account without it (someone else registered that
-- address first), and never promotes one with it again once an operator demoted it.
ALTER TABLE users ADD COLUMN created_by_bootstrap boolean NOT NULL DEFAULT false;

-- One-time links that create an ADMIN account (`protostar up` when no admin
-- exists, `protostar admin reset-link`). A link is spent by setting used_at in the
-- same transaction that creates the account, so two uses cannot both win.
CREATE TABLE setup_links (
    -- SHA-256 of the token, in hex; the token itself is only ever printed once.
    token_hash text        PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (expires_at > created_at)
);

-- Admin-issued signup invitations, single use.
CREATE TABLE invites (
    id         uuid        PRIMARY KEY,
    token_hash text        NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    -- When set, only this address may use the invite (lower-cased, as users.email).
    email      text        CHECK (email = lower(email)),
    -- Never ADMIN: administrators come from the setup link or a promotion.
    tier       text        NOT NULL CHECK (tier IN ('GUEST', 'STARGAZER', 'PROTOSTAR')),
    created_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    used_by    uuid        REFERENCES users (id) ON DELETE SET NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX invites_created_at_idx ON invites (created_at DESC);
