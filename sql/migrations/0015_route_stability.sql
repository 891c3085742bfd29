-- 0015_route_stability: faster route-change detection with the same
-- contract, AS-level route changes as their own event stream, and DTRACK's
-- stability features per path.
--   - fold_flow_v2() version 3 (functions/fold_flow_v3.sql: same name,
--     arguments, rules and results; less work per trace);
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../functions/fold_flow_v3.sql

RESET ROLE;
