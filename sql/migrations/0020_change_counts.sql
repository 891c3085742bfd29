-- 0020_change_counts: route changes counted per hour, kind and origin AS
-- or country (route_change_counts), kept by statement-level triggers on
-- route_changes whatever writes it, and filled here from the changes
-- already recorded; indexes for the viewer's graph, map and target pages
-- (tables/viewer_indexes_v2.sql).
--
-- The backfill reads route_changes once (seconds for tens of thousands of
-- changes) in the migration's transaction; CREATE TRIGGER has locked
-- route_changes against writes until it commits, so no change is missed
-- or counted twice.  Landed migrations are never edited, nor the files they include.
-- Run by sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/route_change_counts.sql
\ir ../functions/route_change_counts_apply.sql

SELECT pingsvc.route_change_counts_rebuild();

RESET ROLE;
