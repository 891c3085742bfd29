-- 0014_pipeline_v3: a faster derivation pipeline with the same contract,
-- and traceroutes stopped at a global stop set kept out of route history.
--   - is_host_address() and is_host_path() version 2: the same answers,
--     written so that the planner inlines them into the CHECK constraints
--     (no SQL function call per inserted row of hops, traces, links,
--     targets, flows, flow_paths, route_changes);
--   - hops_address_idx (0001) dropped: hops_address_ts_idx (0012, on
--     (address, ts) INCLUDE (rtt_ms)) serves every lookup by address, so
--     the older index only cost one more index insert per hop row;
--   - process_results() version 3 (functions/process_results_v3.sql).
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../functions/is_host_address_v2.sql
\ir ../functions/is_host_path_v2.sql

DROP INDEX pingsvc.hops_address_idx;

\ir ../functions/process_results_v3.sql

RESET ROLE;
