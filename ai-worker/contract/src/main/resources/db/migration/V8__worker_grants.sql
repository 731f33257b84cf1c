-- The ai-worker's rights on the tables it uses (issue 14: least privilege between the
-- services), granted to its own role when the install has one: compose/postgres/roles.sql
-- creates the roles in production before the backend migrates; tests and development
-- connect as one user and skip this. No DDL and nothing on users: the worker parses
-- untrusted files, so what it may change is only what its SQL (ai-worker/src/main)
-- writes. Columns are named where a wider right would let it move data between users or
-- tiers: a conversation's owner, a message's author, a document's access level.
-- The backend's rights come from roles.sql (every table, by default privileges); a later
-- migration adding a table or column the worker reads or writes grants it here alike.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'protostar_worker') THEN
    -- Answers: the question's row and history, the answer, the question's status.
    GRANT SELECT, UPDATE (updated_at) ON conversations TO protostar_worker;
    GRANT SELECT, INSERT, UPDATE (status, metadata) ON messages TO protostar_worker;
    -- Ingestion: the document's status and what it learnt; the chunks it writes.
    GRANT SELECT, UPDATE (status, status_changed_at, ingest_started_at, error, content_sha256, chunk_count,
        embedding_model, embedding_dimension, updated_at) ON documents TO protostar_worker;
    GRANT SELECT, INSERT, UPDATE, DELETE ON document_chunks TO protostar_worker;
  END IF;
END
$$;
