-- pingsvc.schema_migrations: which migrations this database has.
--
-- Applied by sql/migrate itself (not by a migration) the first time it meets
-- a database, because it must exist before the first migration can be
-- recorded.  Migration 0001 hands it to pingsvc_owner.

CREATE SCHEMA IF NOT EXISTS pingsvc;

CREATE TABLE IF NOT EXISTS pingsvc.schema_migrations (
    version     integer     PRIMARY KEY CHECK (version > 0),
    name        text        NOT NULL CHECK (name ~ '^[a-z0-9_]+$'),
    checksum    text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON SCHEMA pingsvc IS
    'ping_service: work queue, raw results, traces, hops, links, route changes.  See sql/README.md.';
COMMENT ON TABLE pingsvc.schema_migrations IS
    'Migrations applied to this database by sql/migrate, one row each.';
COMMENT ON COLUMN pingsvc.schema_migrations.version IS
    'Migration number, the NNNN of sql/migrations/NNNN_name.sql.';
COMMENT ON COLUMN pingsvc.schema_migrations.name IS
    'Migration name, the part of the file name after NNNN_.';
COMMENT ON COLUMN pingsvc.schema_migrations.checksum IS
    'sha256 (hex) of the migration text with its \ir includes expanded; a mismatch means a landed migration was edited.';
COMMENT ON COLUMN pingsvc.schema_migrations.applied_at IS
    'When the migration committed (start of its transaction).';
