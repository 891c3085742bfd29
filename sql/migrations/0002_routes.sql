-- 0002_routes: hop extraction, hop feedback, route history and route-change
-- detection (process_results and what it writes), safety ranges, settings,
-- path_at and the analysts' views.
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

-- One trace per result: process_results() relies on it for idempotence
-- (the partition key ts is part of it, as a partitioned table requires).
CREATE UNIQUE INDEX traces_result_ts_key ON pingsvc.traces (result_id, ts);
COMMENT ON INDEX pingsvc.traces_result_ts_key IS
    'At most one trace per result: what makes process_results() idempotent under concurrency.';
COMMENT ON TABLE pingsvc.traces IS
    'Traceroutes, one row each (at most one per result), with the path as inet[] (NULL = no reply at that TTL); partitioned by day of ts, kept forever by default.  Written by process_results().';
COMMENT ON COLUMN pingsvc.traces.path IS
    'path[i] = the address that answered most often at TTL i (ties: the first to answer), NULL where no probe was answered (*); from TTL 1 to the highest TTL of the result.';

-- process_results() numbers route changes before writing them (so that it
-- needs no join back to what it inserted).
GRANT USAGE ON SEQUENCE pingsvc.route_changes_change_id_seq TO pingsvc_ingest;

-- Settings and safety lists.
\ir ../tables/settings.sql
\ir ../tables/special_ranges.sql
\ir ../tables/allowed_ranges.sql
\ir ../tables/opt_outs.sql
\ir ../tables/as_prefixes.sql

-- Route history.
\ir ../tables/flows.sql
\ir ../tables/flow_paths.sql
\ir ../tables/link_rtt_daily.sql
\ir ../types/route_step.sql
\ir ../types/route_event.sql
\ir ../types/trace_reply.sql

-- Helpers and the pipeline.
\ir ../functions/host_inet.sql
\ir ../functions/is_probe_allowed.sql
\ir ../functions/asn_of.sql
\ir ../functions/as_path.sql
\ir ../functions/trace_replies.sql
\ir ../functions/trace_path.sql
\ir ../functions/paths_match.sql
\ir ../functions/path_merge.sql
\ir ../functions/path_diff.sql
\ir ../functions/fold_flow.sql
\ir ../functions/process_results.sql
\ir ../functions/path_at.sql

-- Views for analysts (SELECT for the reading roles by default privileges).
\ir ../views/current_paths.sql
\ir ../views/path_history.sql
\ir ../views/link_latency.sql

RESET ROLE;
