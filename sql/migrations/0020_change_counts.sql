-- 0020_change_counts: route changes counted per hour, kind and changed
-- hops (route_change_counts), kept by statement-level triggers on
-- route_changes whatever writes it, and filled here from the changes
-- already recorded.  The viewer's change chart reads them.  And
-- longitude and latitude stored beside geolocations.location and
-- workers.location (tables/viewer_coordinates.sql), so that the map runs
-- no PostGIS function per request; this rewrites both tables once.
--
-- The backfill reads route_changes once (about a second for 27,000
-- changes) in the migration's transaction; CREATE TRIGGER has locked
-- route_changes against writes until it commits, so no change is missed
-- or counted twice.  Landed migrations are never edited, nor the files
-- they include.  Run by sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/route_change_counts.sql
\ir ../functions/route_change_counts_apply.sql
\ir ../tables/viewer_coordinates.sql

SELECT pingsvc.route_change_counts_rebuild();

RESET ROLE;
