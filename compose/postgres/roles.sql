-- The services' database roles (compose/README.md, "Database roles"). Run by
-- `protostar up` (before the apps start) and `protostar restore` (on the restored
-- database, before it is swapped in), as the superuser, in the application database:
--   psql -v ON_ERROR_STOP=1 -d <POSTGRES_DB>, with owner_password, backend_password,
--   worker_password and monitor_password set by \set lines on stdin (never on a command
--   line).
-- Idempotent: creates what is missing, sets the passwords from .env every time, moves
-- objects the superuser made (every table of an install from before the roles) to the
-- owner, and grants. A fresh database has no tables before the backend's first start
-- (its Flyway creates them, as the owner): `up` runs this again once the apps are up, so
-- the worker's grants below reach them. Grants live here rather than in a migration so
-- that an upgrade running the previous release's images (until their next deploy) gets
-- them too.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;

-- Roles are the cluster's; none is a superuser or may create roles or databases, and
-- none inherits another's rights.
SELECT format('CREATE ROLE %I', name)
  FROM unnest(ARRAY['protostar_owner', 'protostar_backend', 'protostar_worker', 'protostar_monitor']) AS name
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) \gexec
ALTER ROLE protostar_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  PASSWORD :'owner_password';
ALTER ROLE protostar_backend WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  PASSWORD :'backend_password';
ALTER ROLE protostar_worker WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  PASSWORD :'worker_password';
-- The metrics exporter: pg_monitor's statistics and settings (it must inherit them), no
-- table's rows and nothing in the schema.
ALTER ROLE protostar_monitor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT
  CONNECTION LIMIT 3 PASSWORD :'monitor_password';
GRANT pg_monitor TO protostar_monitor;

-- pgvector is not a trusted extension: only a superuser may create it, so it is made
-- here and V3__documents.sql's CREATE EXTENSION IF NOT EXISTS finds it present.
CREATE EXTENSION IF NOT EXISTS vector;

-- The schema: the owner creates in it (Flyway, run by the backend as the owner); the
-- apps only use it.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO protostar_owner;
GRANT USAGE ON SCHEMA public TO protostar_backend, protostar_worker;

-- What the superuser owns in the schema moves to the owner: every table, index (with its
-- table), view, sequence, function and type an earlier release's Flyway created.
-- REASSIGN OWNED cannot do it: the superuser made by initdb owns system objects too.
-- An extension's own objects stay the extension's; a sequence of a column moves with
-- its table.
DO $$
DECLARE
  object record;
BEGIN
  FOR object IN
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind,
           c.oid::regclass::text AS name
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace
       AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND c.relowner = current_user::regrole
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO protostar_owner', object.kind, object.name);
  END LOOP;
  FOR object IN
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END AS kind,
           p.oid::regprocedure::text AS name
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND p.proowner = current_user::regrole
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO protostar_owner', object.kind, object.name);
  END LOOP;
  FOR object IN
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind, t.oid::regtype::text AS name
      FROM pg_type t
     WHERE t.typnamespace = 'public'::regnamespace
       AND t.typtype IN ('d', 'e', 'r')
       AND t.typowner = current_user::regrole
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO protostar_owner', object.kind, object.name);
  END LOOP;
END
$$;

-- The backend reads and writes every table: those there now, and (default privileges)
-- every table and sequence the owner creates later. It never changes the schema.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO protostar_backend;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO protostar_backend;
ALTER DEFAULT PRIVILEGES FOR ROLE protostar_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO protostar_backend;
ALTER DEFAULT PRIVILEGES FOR ROLE protostar_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO protostar_backend;

-- The worker parses untrusted files: it may change only what its SQL (ai-worker/src/main)
-- writes, on the tables that exist yet. Columns are named where a wider right would let
-- it move data between users or tiers: a conversation's owner, a message's author, a
-- document's access level. Nothing on users, no DDL. A release whose worker uses another
-- table or column adds it here.
DO $$
DECLARE
  grant_ record;
BEGIN
  FOR grant_ IN
    SELECT * FROM (VALUES
      -- Answers: the question's row and history, the answer, the question's status.
      ('conversations', 'SELECT, UPDATE (updated_at)'),
      ('messages', 'SELECT, INSERT, UPDATE (status, metadata)'),
      -- Ingestion: the document's status and what it learnt; the chunks it writes.
      ('documents', 'SELECT, UPDATE (status, status_changed_at, ingest_started_at, error, content_sha256,'
                    ' chunk_count, embedding_model, embedding_dimension, updated_at)'),
      ('document_chunks', 'SELECT, INSERT, UPDATE, DELETE')
    ) AS worker (table_name, privileges)
  LOOP
    IF to_regclass('public.' || grant_.table_name) IS NOT NULL THEN
      EXECUTE format('GRANT %s ON %I TO protostar_worker', grant_.privileges, grant_.table_name);
    END IF;
  END LOOP;
END
$$;

COMMIT;
