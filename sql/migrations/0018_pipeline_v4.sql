-- 0018_pipeline_v4: the derivation pipeline in two stages, so that a
-- writer that builds traces and hops rows itself (the gateway, with COPY)
-- can hand them to derivation without JSON, and derivation reads rows.
--   - derive_queue (table): traces stored but not yet derived, with the
--     detect flag (false for GSS-stopped traceroutes);
--   - extract_results() (and extract_results_ids()): traces and hops from
--     stored JSON results, as process_results() version 3, queued;
--   - derive_traces(ids): links, link_rtt_daily, hop feedback, route
--     history and change detection from traces and hops rows of queued
--     traces, each derived once;
--   - derive_pending(limit): the oldest queued traces, for the frontier's
--     periodic cycle (SECURITY DEFINER);
--   - process_results() version 4 = extract_results() + derive_traces()
--     of the new traces (same signature and results);
--   - link_rtt_daily gets fillfactor 60: every derivation rewrites the day's
--     row of each link it saw, and none of its indexed columns changes, so
--     with room on the page the update is HOT (no new index entries);
--     measured on 64 600 rows per call, a quarter less time.  Pages written
--     from now on keep the room.
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/derive_queue.sql
\ir ../functions/extract_results.sql
\ir ../functions/derive_traces.sql
\ir ../functions/derive_pending.sql
\ir ../functions/process_results_v4.sql

ALTER TABLE pingsvc.link_rtt_daily SET (fillfactor = 60);

RESET ROLE;
