-- What the backend needs of documents beyond V3 (issue 4, documents API). Additive
-- only, like V3: the colour still running the previous release never reads these.

-- The ingestion job of the document's current (or last) run: `ingest-<id>-<run>`,
-- run 1 at upload, +1 at each reindex. A reindex makes a new job id, because the
-- queue deduplicates by id (a completed job's id is remembered for 24 h); the admin
-- list shows the id so an operator can look the job up (`protostar jobs`).
ALTER TABLE documents ADD COLUMN ingest_run integer NOT NULL DEFAULT 0 CHECK (ingest_run >= 0);
ALTER TABLE documents ADD COLUMN ingest_job_id text;

-- One document per content: the backend stores the upload's SHA-256 in
-- content_sha256 (the worker later writes the same value, the hash of the very
-- same object) and refuses a second upload of identical bytes with 409
-- DUPLICATE_DOCUMENT. The index makes that hold for two uploads at the same moment
-- too. Rows without a hash (none are written so) are not constrained.
CREATE UNIQUE INDEX documents_content_sha256_key ON documents (content_sha256);
