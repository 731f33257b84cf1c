-- Feedback on answers (issue 15): thumbs up or down, with an optional comment, so
-- answer quality can be followed. One row per assistant message, replaced by a new
-- vote (PUT) and removed by DELETE; it goes with its message, and so with its
-- conversation (ON DELETE CASCADE). Additive only (a new table), so the colour still
-- running the previous release is unaffected. The backend checks that the message is
-- an answer in the voter's own conversation; the row keeps who voted for the admins'
-- list (the conversation's owner at the time).
CREATE TABLE message_feedback (
    message_id  uuid        PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating      text        NOT NULL CHECK (rating IN ('UP', 'DOWN')),
    comment     text        CHECK (char_length(comment) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The admins' list: newest first, optionally of one rating.
CREATE INDEX message_feedback_updated_idx ON message_feedback (updated_at DESC, message_id DESC);
CREATE INDEX message_feedback_rating_updated_idx ON message_feedback (rating, updated_at DESC, message_id DESC);
