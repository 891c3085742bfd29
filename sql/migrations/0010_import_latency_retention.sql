-- 0010_import_latency_retention: scamper as a result source, RTT summaries
-- kept incrementally, and retention that keeps what analysts need.
--
--   * results.source and traces.source also allow 'scamper' (results
--     imported with `pingsvc-ingest import --format scamper`; their traces
--     carry the vantage that ran scamper, a workers row).  The CHECKs are
--     replaced on the partitioned parents; ATTACHed partitions inherit
--     them, so the change reaches every partition.
--   * rtt_buckets, link_rtt_buckets, rtt_fold_state and
--     fold_rtt_buckets(): RTT samples and p10/median/p90 per hour, per
--     (vantage, target) and per link, folded incrementally above a
--     watermark; rtt_summary() (same signature as 0008's) and the new
--     link_rtt_summary() read them plus the newer traces.  The buckets
--     start empty and are filled from all existing traces at the next
--     folds (every trace above the watermark 0).
--   * maintain_partitions() (same signature as 0001's) folds before it
--     drops, and keeps traces/hops partitions whose traces are not folded.
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

ALTER TABLE pingsvc.results
    DROP CONSTRAINT results_source_check,
    ADD CONSTRAINT results_source_check CHECK (source IN ('pingsvc', 'atlas', 'scamper'));
COMMENT ON COLUMN pingsvc.results.source IS
    'pingsvc (our workers), atlas (imported RIPE Atlas result) or scamper (imported scamper JSON).';

ALTER TABLE pingsvc.traces
    DROP CONSTRAINT traces_source_check,
    ADD CONSTRAINT traces_source_check CHECK (source IN ('pingsvc', 'atlas', 'scamper'));
COMMENT ON COLUMN pingsvc.traces.source IS
    'pingsvc (our workers), atlas or scamper (imported); atlas traces have an ''atlas:'' vantage, scamper ones the name of the vantage that ran scamper.';

\ir ../tables/rtt_buckets.sql
\ir ../functions/fold_rtt_range.sql
\ir ../functions/fold_rtt_buckets.sql
\ir ../functions/rtt_summary_v2.sql
\ir ../functions/maintain_partitions_v2.sql

RESET ROLE;
