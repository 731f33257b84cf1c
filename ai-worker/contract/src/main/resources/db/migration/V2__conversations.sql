-- Conversations and their messages. Additive only (new tables, no change to users), so
-- the release before this one keeps working against it while both colours run.
-- The backend owns this schema: the ai-worker writes answers into these tables but never
-- migrates them (it runs no Flyway).
CREATE TABLE conversations (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Moved forward by every message, so "newest first" lists active conversations first.
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- "My conversations, newest first": the one list query, keyset-friendly (id breaks ties).
CREATE INDEX conversations_user_updated_idx ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id              uuid        PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            text        NOT NULL CHECK (role IN ('user', 'assistant')),
    content         text        NOT NULL,
    -- The queue job that answers (user row) or answered (assistant row) this message.
    job_id          text,
    -- user rows: pending until the worker answers, then answered or failed;
    -- assistant rows are written answered.
    status          text        NOT NULL DEFAULT 'answered'
                                CHECK (status IN ('pending', 'answered', 'failed')),
    -- Citations and other facts about the answer, e.g. {"citations": []}.
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX messages_conversation_created_idx ON messages (conversation_id, created_at, id);

-- One question and at most one answer per job: a retried job (delivery is at least once)
-- finds its answer instead of writing a second one, and a repeated POST with the same
-- Idempotency-Key finds its question.
CREATE UNIQUE INDEX messages_job_role_key ON messages (job_id, role) WHERE job_id IS NOT NULL;
