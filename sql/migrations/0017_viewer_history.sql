-- 0017_viewer_history: the viewer's graph, map and target pages read the
-- route history of process_results() (flows, flow_paths) instead of the
-- traces, and its map draws stored SVG outlines: an index on flows by
-- last trace time, and basemap_countries.svg_path (a stored generated
-- column, so every loader fills it).
--
-- Builds one index on flows (one row per flow: seconds) and rewrites the
-- small basemap table once.  Touches no function.  Landed migrations are
-- never edited, nor the files they include.  Run by sql/migrate as a
-- superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/viewer_history.sql

RESET ROLE;
