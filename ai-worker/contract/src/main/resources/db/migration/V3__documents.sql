-- Documents and their embedded chunks (issue 5). The backend creates a document row
-- (status 'waiting') when a file is uploaded to object storage and enqueues an
-- ingestion job; the ai-worker moves the status on and writes the chunks. Additive
-- only, so the colour still running the previous release is unaffected.
--
-- Dimensions: the embedding column is an untyped `vector`, and each chunk records the
-- model and dimension that produced it (a CHECK keeps the two honest). Vectors of
-- different models are never compared: every similarity query filters on
-- embedding_model and casts to that model's dimension, which is exactly the shape of a
-- partial expression HNSW index per model:
--     USING hnsw ((embedding::vector(<dim>)) vector_cosine_ops) WHERE embedding_model = '<model>'
-- (HNSW needs a typed column or expression; the cast is free because the CHECK
-- guarantees the dimension). The default in-process model's index is created here;
-- the worker creates the index of any other configured model at start-up (CREATE
-- INDEX CONCURRENTLY IF NOT EXISTS, same naming). Switching models re-embeds every
-- document (the worker re-ingests documents whose embedding_model differs from its
-- own), so a document's chunks never mix models once it is 'ready'.
-- A fixed vector(384) column was the alternative: simpler, but a multilingual model
-- served over HTTP (768 or 1024 dimensions) would need a schema change.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE documents (
    id                  uuid        PRIMARY KEY,
    -- What users see; the file's own name is kept apart for downloads.
    title               text        NOT NULL,
    filename            text        NOT NULL,
    -- As declared at upload. The worker does not trust it alone: it checks the
    -- content's magic bytes too (a PDF renamed .txt fails with a reason).
    content_type        text        NOT NULL,
    size_bytes          bigint      NOT NULL CHECK (size_bytes >= 0),
    -- Key in the documents bucket (PROTOSTAR_S3_BUCKET).
    object_key          text        NOT NULL,
    -- Who may see answers drawn from it (backend tier/DocumentAccess.java).
    access_level        text        NOT NULL DEFAULT 'INTERNAL'
                                    CHECK (access_level IN ('PUBLIC', 'INTERNAL', 'CONFIDENTIAL')),
    -- Documents belong to the organisation: deleting an account keeps them.
    uploaded_by         uuid        REFERENCES users (id) ON DELETE SET NULL,
    status              text        NOT NULL DEFAULT 'waiting'
                                    CHECK (status IN ('waiting', 'parsing', 'embedding', 'ready', 'failed')),
    status_changed_at   timestamptz NOT NULL DEFAULT now(),
    -- Start of the current (or last) ingestion run; with status_changed_at of a
    -- 'ready' document it gives the run's duration.
    ingest_started_at   timestamptz,
    -- Why the document is 'failed' (null otherwise).
    error               text,
    chunk_count         integer     NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
    -- The model and dimension of the chunks, set when the document becomes 'ready'.
    embedding_model     text,
    embedding_dimension integer     CHECK (embedding_dimension > 0),
    -- SHA-256 (hex) of the object as last parsed.
    content_sha256      text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT documents_object_key_key UNIQUE (object_key)
);

-- Listing by status (the admin's view, a sweep for stuck documents).
CREATE INDEX documents_status_idx ON documents (status, status_changed_at);
CREATE INDEX documents_uploaded_by_idx ON documents (uploaded_by);

CREATE TABLE document_chunks (
    document_id         uuid        NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    -- 0..chunk_count-1; chunking is deterministic, so a re-run writes the same rows
    -- (INSERT ... ON CONFLICT (document_id, chunk_index) DO UPDATE).
    chunk_index         integer     NOT NULL CHECK (chunk_index >= 0),
    content             text        NOT NULL,
    -- SHA-256 (hex) of content: a resumed run skips chunks already embedded with the
    -- same content and model.
    content_sha256      text        NOT NULL,
    char_count          integer     NOT NULL CHECK (char_count >= 0),
    -- As counted by the model's tokenizer, when the provider reports it.
    token_count         integer     CHECK (token_count >= 0),
    embedding_model     text        NOT NULL,
    embedding_dimension integer     NOT NULL CHECK (embedding_dimension > 0),
    embedding           vector      NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, chunk_index),
    CONSTRAINT document_chunks_dimension CHECK (vector_dims(embedding) = embedding_dimension)
);

-- Cosine kNN for the default model (all-MiniLM-L6-v2, quantised, 384 dimensions).
-- Queries must repeat the predicate and the cast to use it:
--   WHERE embedding_model = 'all-minilm-l6-v2-q'
--   ORDER BY embedding::vector(384) <=> $1::vector(384) LIMIT k
CREATE INDEX document_chunks_hnsw_all_minilm_l6_v2_q_384 ON document_chunks
    USING hnsw ((embedding::vector(384)) vector_cosine_ops)
    WHERE embedding_model = 'all-minilm-l6-v2-q';
