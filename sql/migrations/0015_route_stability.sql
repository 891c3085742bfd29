-- 0015_route_stability: faster route-change detection with the same
-- contract, AS-level route changes as their own event stream, and DTRACK's
-- stability features per path.
--   - fold_flow_v2() version 3 (functions/fold_flow_v3.sql: same name,
--     arguments, rules and results; less work per trace);
--   - as_route_changes (view): one row per change of a flow's AS path,
--     kind 'as', beside route_changes' IP-level kinds;
--   - path_stability (view): occurrences, prevalence, changes and age of
--     every path in every flow's history.
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../functions/fold_flow_v3.sql
\ir ../views/as_route_changes.sql
\ir ../views/path_stability.sql

RESET ROLE;
