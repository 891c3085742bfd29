-- 0007_viewer: what pingsvc-viewer.cgi needs beyond schema v1: the
-- control-plane log and flags, the world map's basemap table and its
-- loader, and the role the control plane acts as.
--
-- Independent of migrations 0002..0006: it touches none of their objects.
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

-- The control plane's role: cluster-wide, created only if missing.  It is
-- a member of pingsvc_frontier (targets, jobs and, from 0002, opt_outs are
-- the frontier's to change), plus what is granted below.
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                   WHERE rolname = 'pingsvc_viewer_admin') THEN
        BEGIN
            CREATE ROLE pingsvc_viewer_admin NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$roles$;
COMMENT ON ROLE pingsvc_viewer_admin IS
    'ping_service viewer control plane: pause/resume scheduling, add targets and opt-outs, requeue failed jobs, enrol and revoke workers, write admin_log.  Member of pingsvc_frontier.';
GRANT pingsvc_frontier TO pingsvc_viewer_admin;
GRANT USAGE ON SCHEMA pingsvc TO pingsvc_viewer_admin;

SET ROLE pingsvc_owner;

\ir ../tables/admin_log.sql
\ir ../tables/control_flags.sql
\ir ../tables/basemap_countries.sql
\ir ../functions/scheduling_paused.sql
\ir ../functions/load_basemap.sql

GRANT INSERT ON pingsvc.admin_log TO pingsvc_viewer_admin;
GRANT UPDATE (enabled, updated_at, updated_by) ON pingsvc.control_flags
    TO pingsvc_viewer_admin;
-- Enrol and revoke workers (the token hash is written, never read).
GRANT INSERT (name, token_hash, caps) ON pingsvc.workers TO pingsvc_viewer_admin;
GRANT UPDATE (enabled, revoked_at) ON pingsvc.workers TO pingsvc_viewer_admin;

RESET ROLE;
