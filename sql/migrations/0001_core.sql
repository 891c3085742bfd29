-- 0001_core: roles, PostGIS, and schema v1 (tables, functions, views, grants).
--
-- Landed migrations are never edited, nor the files they include: the
-- checksum in pingsvc.schema_migrations covers this text with every \ir
-- expanded.  Run by sql/migrate as a superuser, in one transaction.

-- Roles are cluster-wide: created only if missing (another database of the
-- cluster may have made them, perhaps at this very moment).
DO $roles$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY['pingsvc_owner', 'pingsvc_ingest', 'pingsvc_frontier',
                                  'pingsvc_viewer', 'pingsvc_analyst']
    LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role);
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END LOOP;
END
$roles$;

COMMENT ON ROLE pingsvc_owner IS
    'ping_service: owns schema pingsvc and all its objects (DDL).  NOLOGIN; migrations SET ROLE to it.';
COMMENT ON ROLE pingsvc_ingest IS
    'ping_service gateway: authenticates workers, leases and completes jobs, stores results and what derives from them.  No DELETE, no DDL.';
COMMENT ON ROLE pingsvc_frontier IS
    'ping_service frontier: manages targets, jobs and geolocations, reads everything but token hashes, runs partition maintenance.';
COMMENT ON ROLE pingsvc_viewer IS
    'ping_service web viewer: read-only, no token hashes.';
COMMENT ON ROLE pingsvc_analyst IS
    'ping_service analysts: read-only, no token hashes.';

CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;

-- sql/migrate made the schema and schema_migrations as the superuser.
ALTER SCHEMA pingsvc OWNER TO pingsvc_owner;
ALTER TABLE pingsvc.schema_migrations OWNER TO pingsvc_owner;
REVOKE ALL ON SCHEMA pingsvc FROM PUBLIC;
GRANT USAGE ON SCHEMA pingsvc
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;

-- Everything below is created by, and so owned by, pingsvc_owner.
SET ROLE pingsvc_owner;

GRANT SELECT ON pingsvc.schema_migrations
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;

-- Helpers used by CHECK constraints and generated columns.
\ir ../functions/is_host_address.sql
\ir ../functions/is_host_path.sql
\ir ../functions/path_hash.sql

-- Tables, each with its indexes, comments and grants.
\ir ../tables/workers.sql
\ir ../tables/targets.sql
\ir ../tables/jobs.sql
\ir ../tables/results.sql
\ir ../tables/result_keys.sql
\ir ../tables/traces.sql
\ir ../tables/hops.sql
\ir ../tables/links.sql
\ir ../tables/route_changes.sql
\ir ../tables/geolocations.sql
\ir ../tables/partition_config.sql

-- Views and partition maintenance.
\ir ../views/partitions.sql
\ir ../functions/ensure_partitions.sql
\ir ../functions/maintain_partitions.sql

-- Tables and views made later by pingsvc_owner (partitions included) are
-- readable by the reading roles; writes are always granted one by one.
ALTER DEFAULT PRIVILEGES FOR ROLE pingsvc_owner IN SCHEMA pingsvc
    GRANT SELECT ON TABLES
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;

-- A fresh database can take today's writes at once.
SELECT count(*) AS partitions_created FROM pingsvc.maintain_partitions();

RESET ROLE;
