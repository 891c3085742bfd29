-- 0009_perf: a faster derivation pipeline with the same contract.
-- process_results() version 2 (one pass over the batch's bodies, host_inet
-- once per distinct address, detection from the batch itself) and
-- fold_flow_v2() (scalar state, fast path for unchanged routes); AS paths
-- stored beside IP paths (flow_paths.as_path, route_changes.old_as_path
-- and new_as_path).
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/as_paths_v2.sql
\ir ../functions/fold_flow_v2.sql
\ir ../functions/process_results_v2.sql

RESET ROLE;
