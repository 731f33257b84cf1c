-- Security events (backend API.md, "Audit"): who did what to whom, from where.
-- Additive only, so the release before this one runs against it during a
-- blue/green deploy. Rows are never updated; the backend deletes those older
-- than PROTOSTAR_AUDIT_RETENTION once a day.
CREATE TABLE audit_events (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    -- Who acted: null when nobody was signed in (a failed login).
    actor_user_id    uuid,
    -- Whom it concerns: the account logged in, demoted, signed out, ...
    -- No foreign keys: the record outlives a deleted account.
    subject_user_id  uuid,
    action           text        NOT NULL CHECK (action ~ '^[A-Z][A-Z_]{0,63}$'),
    client_address   text,
    request_id       text,
    -- Small facts about the event, e.g. {"from":"ADMIN","to":"GUEST"}; never a password.
    detail           jsonb       NOT NULL DEFAULT '{}'::jsonb
);

-- GET /api/admin/audit lists newest first, filtered by user (actor or subject),
-- action and time; the purge deletes by time.
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at DESC, id DESC);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_user_id, occurred_at DESC) WHERE subject_user_id IS NOT NULL;
CREATE INDEX audit_events_actor_idx ON audit_events (actor_user_id, occurred_at DESC) WHERE actor_user_id IS NOT NULL;
CREATE INDEX audit_events_action_idx ON audit_events (action, occurred_at DESC);

-- The question reconciler (backend API.md, "Questions") looks for questions
-- still pending a few minutes after they were asked; a partial index keeps
-- that lookup small however many answered messages there are.
CREATE INDEX messages_pending_idx ON messages (created_at) WHERE status = 'pending' AND role = 'user';
