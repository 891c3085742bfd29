-- pingsvc.rtt_buckets, pingsvc.link_rtt_buckets, pingsvc.rtt_fold_state:
-- RTT samples per hour, kept incrementally by pingsvc.fold_rtt_buckets()
-- so that the viewer's latency plots and analysts need not rescan hops
-- (and keep their summaries when hops partitions are dropped).
--
-- rtt_buckets: per (vantage, target) and UTC hour, the destination's
-- timed replies to traceroutes (the samples of rtt_summary: hops at the
-- trace's reached_ttl from the target).  link_rtt_buckets: per IP link and
-- UTC hour, the RTT jump rtt(far) - rtt(near) of each trace showing the
-- link (min RTT of far's replies at its TTL minus min RTT of near's at
-- its, as link_rtt_daily; one sample per trace, at the link's first
-- position in the path).  Both keep the samples themselves, sorted, so
-- that percentiles of any union of hours are exact and a fold adds to a
-- bucket without losing anything; p10/median/p90 are computed from them.
--
-- pingsvc.rtt_percentile: percentile_cont(p) of an array (NULL when empty).

CREATE FUNCTION pingsvc.rtt_percentile(p_samples double precision[], p double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT percentile_cont(p) WITHIN GROUP (ORDER BY s.x) FROM unnest(p_samples) AS s(x);
END;

COMMENT ON FUNCTION pingsvc.rtt_percentile(double precision[], double precision) IS
    'percentile_cont(p) of the values of an array (NULL for an empty one); used by the RTT bucket tables.';

CREATE TABLE pingsvc.rtt_buckets (
    vantage      text        NOT NULL,
    target       inet        NOT NULL,
    bucket_start timestamptz NOT NULL
                             CHECK (date_bin('1 hour', bucket_start, timestamptz '1970-01-01 00:00:00+00') = bucket_start),
    rtts         double precision[] NOT NULL
                             CHECK (cardinality(rtts) >= 1 AND array_ndims(rtts) = 1),
    samples      integer     GENERATED ALWAYS AS (cardinality(rtts)) STORED,
    p10_ms       double precision GENERATED ALWAYS AS (pingsvc.rtt_percentile(rtts, 0.1)) STORED,
    median_ms    double precision GENERATED ALWAYS AS (pingsvc.rtt_percentile(rtts, 0.5)) STORED,
    p90_ms       double precision GENERATED ALWAYS AS (pingsvc.rtt_percentile(rtts, 0.9)) STORED,
    PRIMARY KEY (vantage, target, bucket_start)
);

COMMENT ON TABLE pingsvc.rtt_buckets IS
    'RTT from a vantage to a target per UTC hour: the destination''s timed replies to traceroutes (sorted) and their p10/median/p90; kept by fold_rtt_buckets().';
COMMENT ON COLUMN pingsvc.rtt_buckets.vantage IS 'traces.vantage.';
COMMENT ON COLUMN pingsvc.rtt_buckets.target IS 'traces.target.';
COMMENT ON COLUMN pingsvc.rtt_buckets.bucket_start IS 'Start of the UTC hour of the traces'' ts.';
COMMENT ON COLUMN pingsvc.rtt_buckets.rtts IS 'Every sample of the hour, ms, ascending.';
COMMENT ON COLUMN pingsvc.rtt_buckets.samples IS 'Number of samples (computed).';
COMMENT ON COLUMN pingsvc.rtt_buckets.p10_ms IS '10th percentile, ms (percentile_cont, computed).';
COMMENT ON COLUMN pingsvc.rtt_buckets.median_ms IS 'Median, ms (computed).';
COMMENT ON COLUMN pingsvc.rtt_buckets.p90_ms IS '90th percentile, ms (computed).';

CREATE TABLE pingsvc.link_rtt_buckets (
    near         inet        NOT NULL,
    far          inet        NOT NULL,
    bucket_start timestamptz NOT NULL
                             CHECK (date_bin('1 hour', bucket_start, timestamptz '1970-01-01 00:00:00+00') = bucket_start),
    diffs        double precision[] NOT NULL
                             CHECK (cardinality(diffs) >= 1 AND array_ndims(diffs) = 1),
    samples      integer     GENERATED ALWAYS AS (cardinality(diffs)) STORED,
    p10_ms       double precision GENERATED ALWAYS AS (pingsvc.rtt_percentile(diffs, 0.1)) STORED,
    median_ms    double precision GENERATED ALWAYS AS (pingsvc.rtt_percentile(diffs, 0.5)) STORED,
    p90_ms       double precision GENERATED ALWAYS AS (pingsvc.rtt_percentile(diffs, 0.9)) STORED,
    PRIMARY KEY (near, far, bucket_start)
);

COMMENT ON TABLE pingsvc.link_rtt_buckets IS
    'RTT jump across an IP link (rtt(far) - rtt(near)) per UTC hour: every trace''s sample (sorted) and their p10/median/p90; kept by fold_rtt_buckets().';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.near IS 'Address at the lower TTL.';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.far IS 'Address at the next TTL.';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.bucket_start IS 'Start of the UTC hour of the traces'' ts.';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.diffs IS 'Every RTT jump of the hour, ms, ascending (may be negative).';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.samples IS 'Number of samples (computed).';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.p10_ms IS '10th percentile, ms (computed).';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.median_ms IS 'Median, ms (computed).';
COMMENT ON COLUMN pingsvc.link_rtt_buckets.p90_ms IS '90th percentile, ms (computed).';

-- One row: what fold_rtt_buckets() has folded (every trace_id <= folded_to)
-- and the next step it may take (pending_to, once the transactions that
-- could still hold smaller trace ids, all older than pending_xid, ended).
CREATE TABLE pingsvc.rtt_fold_state (
    one          boolean     PRIMARY KEY DEFAULT true CHECK (one),
    folded_to    bigint      NOT NULL DEFAULT 0,
    pending_to   bigint,
    pending_xid  xid8,
    pending_at   timestamptz,
    folded_at    timestamptz,
    CONSTRAINT rtt_fold_state_pending
        CHECK ((pending_to IS NULL) = (pending_xid IS NULL)
               AND (pending_to IS NULL) = (pending_at IS NULL)
               AND (pending_to IS NULL OR pending_to > folded_to))
);
INSERT INTO pingsvc.rtt_fold_state DEFAULT VALUES;

COMMENT ON TABLE pingsvc.rtt_fold_state IS
    'Watermark of fold_rtt_buckets(): traces with trace_id <= folded_to are in rtt_buckets and link_rtt_buckets; pending_* is the next step, taken once every transaction older than pending_xid has ended and pending_at is old enough.';

COMMENT ON COLUMN pingsvc.rtt_fold_state.one IS 'Always true: the table has one row.';
COMMENT ON COLUMN pingsvc.rtt_fold_state.folded_to IS 'Every trace with trace_id <= folded_to is in the bucket tables, none above.';
COMMENT ON COLUMN pingsvc.rtt_fold_state.pending_to IS 'The next watermark: the largest trace id when a call last looked; NULL when none.';
COMMENT ON COLUMN pingsvc.rtt_fold_state.pending_xid IS 'Transaction id of that call, taken after it read pending_to: once every older transaction has ended, nobody can still write a trace id <= pending_to.';
COMMENT ON COLUMN pingsvc.rtt_fold_state.pending_at IS 'When pending_to was read (fold_rtt_buckets waits p_settle after it).';
COMMENT ON COLUMN pingsvc.rtt_fold_state.folded_at IS 'When the watermark last moved.';

GRANT SELECT ON pingsvc.rtt_buckets, pingsvc.link_rtt_buckets, pingsvc.rtt_fold_state
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
-- The frontier runs the fold (fold_rtt_buckets runs with the caller's rights).
GRANT INSERT, UPDATE ON pingsvc.rtt_buckets, pingsvc.link_rtt_buckets TO pingsvc_frontier;
GRANT UPDATE ON pingsvc.rtt_fold_state TO pingsvc_frontier;
GRANT SELECT ON SEQUENCE pingsvc.traces_trace_id_seq TO pingsvc_frontier;
