-- Accounts. Emails are stored lower-cased (the application normalises them),
-- so the plain unique index is enough and stays usable for lookups.
-- Migrations must stay compatible with the release before them: during a
-- blue/green deploy the old colour keeps running against the new schema.
CREATE TABLE users (
    id              uuid        PRIMARY KEY,
    email           text        NOT NULL,
    password_hash   text        NOT NULL,
    display_name    text        NOT NULL,
    tier            text        NOT NULL DEFAULT 'GUEST'
                                CHECK (tier IN ('GUEST', 'STARGAZER', 'PROTOSTAR', 'ADMIN')),
    -- Set when an admin chose the tier: automatic promotion leaves it alone.
    tier_locked     boolean     NOT NULL DEFAULT false,
    -- Questions asked so far; one of the automatic promotion criteria.
    questions_asked bigint      NOT NULL DEFAULT 0 CHECK (questions_asked >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);

-- The last-admin guard locks and counts admins on every tier change.
CREATE INDEX users_admins_idx ON users (id) WHERE tier = 'ADMIN';
