-- pingsvc.rtt_summary (replaces 0008's, same signature and results) and
-- pingsvc.link_rtt_summary: RTT summaries per time bucket of [p_from, p_to)
-- for the viewer's latency plots, from the hourly buckets that
-- fold_rtt_buckets() keeps plus, on the fly, the traces newer than its
-- watermark, so the answer is always complete and exact (percentile_cont
-- over every sample) while only the unfolded traces are read from hops.
-- Buckets are date_bin(p_bucket, ts, epoch); buckets without samples are
-- not returned.
--
-- rtt_summary(vantage, target, ...): the destination's timed replies to
-- traceroutes from the vantage (hops at reached_ttl from the target).  The
-- hourly buckets are used when p_bucket is a whole number of hours and
-- p_from, p_to fall on hours; otherwise everything is computed from hops
-- as 0008's version did.
--
-- link_rtt_summary(near, far, ...): the RTT jump across the link, one
-- sample per trace showing it (see fold_rtt_range); p_bucket must be a
-- whole number of hours and p_from, p_to must fall on hours.
--
-- Concurrency: plain reads (STABLE) in the calling statement's snapshot, in
-- which the buckets and the watermark agree (a fold writes both in one
-- transaction); no locks beyond ACCESS SHARE.

CREATE OR REPLACE FUNCTION pingsvc.rtt_summary(
    p_vantage   text,
    p_target    inet,
    p_from      timestamptz,
    p_to        timestamptz,
    p_bucket    interval DEFAULT interval '1 hour')
RETURNS TABLE (bucket_start timestamptz, samples bigint,
               p10_ms double precision, median_ms double precision, p90_ms double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    v_epoch  constant timestamptz := timestamptz '1970-01-01 00:00:00+00';
    v_folded bigint;
BEGIN
    IF p_vantage IS NULL OR p_target IS NULL THEN
        RAISE EXCEPTION 'rtt_summary: p_vantage and p_target must not be NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_from IS NULL OR p_to IS NULL OR p_to <= p_from THEN
        RAISE EXCEPTION 'rtt_summary: need p_from < p_to, got [%, %)', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_bucket IS NULL OR p_bucket <= interval '0'
       OR extract(month FROM p_bucket) <> 0 OR extract(year FROM p_bucket) <> 0 THEN
        RAISE EXCEPTION 'rtt_summary: p_bucket must be a positive interval without months or years, got %', p_bucket
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    IF pingsvc.rtt_hour_aligned(p_from, p_to, p_bucket) THEN
        SELECT s.folded_to INTO v_folded FROM pingsvc.rtt_fold_state s;
    ELSE
        v_folded := 0;  -- not on hours: everything from hops
    END IF;

    RETURN QUERY
    SELECT date_bin(p_bucket, x.ts, v_epoch) AS bucket_start,
           count(*) AS samples,
           percentile_cont(0.1) WITHIN GROUP (ORDER BY x.rtt) AS p10_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY x.rtt) AS median_ms,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY x.rtt) AS p90_ms
      FROM (SELECT b.bucket_start AS ts, u.rtt
              FROM pingsvc.rtt_buckets b
              CROSS JOIN LATERAL unnest(b.rtts) AS u(rtt)
             WHERE v_folded > 0
               AND b.vantage = p_vantage AND b.target = p_target
               AND b.bucket_start >= p_from AND b.bucket_start < p_to
            UNION ALL
            SELECT t.ts, h.rtt_ms
              FROM pingsvc.traces t
              JOIN pingsvc.hops h
                ON h.trace_id = t.trace_id
               AND h.ts = t.ts
               AND h.ttl = t.reached_ttl
               AND h.address = t.target
             WHERE t.vantage = p_vantage
               AND t.target = p_target
               AND t.reached
               AND t.trace_id > v_folded
               AND t.ts >= p_from AND t.ts < p_to
               AND h.ts >= p_from AND h.ts < p_to
               AND h.rtt_ms IS NOT NULL) AS x
     GROUP BY 1
     ORDER BY 1;
END;
$$;

COMMENT ON FUNCTION pingsvc.rtt_summary(text, inet, timestamptz, timestamptz, interval) IS
    'RTT from a vantage to a target per time bucket of [p_from, p_to) (date_bin from the epoch, default 1 hour): number of samples and 10th/50th/90th percentiles (percentile_cont, ms) of the destination''s replies (hops at reached_ttl from the target) in traceroutes; empty buckets are omitted.  Reads rtt_buckets plus the traces not folded yet when the bucket and range are whole UTC hours, else hops alone; exact either way.  Raises 22023 on a NULL vantage/target, p_to <= p_from, or a bucket that is not a positive interval of days/hours/minutes/seconds.';

CREATE FUNCTION pingsvc.rtt_hour_aligned(p_from timestamptz, p_to timestamptz, p_bucket interval)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT extract(epoch FROM p_bucket) > 0
       AND mod(extract(epoch FROM p_bucket), 3600) = 0
       AND date_bin('1 hour', p_from, timestamptz '1970-01-01 00:00:00+00') = p_from
       AND date_bin('1 hour', p_to, timestamptz '1970-01-01 00:00:00+00') = p_to;
END;

COMMENT ON FUNCTION pingsvc.rtt_hour_aligned(timestamptz, timestamptz, interval) IS
    'Whether [p_from, p_to) and p_bucket are made of whole UTC hours, so that the hourly RTT buckets answer exactly.';

CREATE FUNCTION pingsvc.link_rtt_summary(
    p_near      inet,
    p_far       inet,
    p_from      timestamptz,
    p_to        timestamptz,
    p_bucket    interval DEFAULT interval '1 hour')
RETURNS TABLE (bucket_start timestamptz, samples bigint,
               p10_ms double precision, median_ms double precision, p90_ms double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    v_epoch  constant timestamptz := timestamptz '1970-01-01 00:00:00+00';
    v_folded bigint;
BEGIN
    IF p_near IS NULL OR p_far IS NULL THEN
        RAISE EXCEPTION 'link_rtt_summary: p_near and p_far must not be NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_from IS NULL OR p_to IS NULL OR p_to <= p_from THEN
        RAISE EXCEPTION 'link_rtt_summary: need p_from < p_to, got [%, %)', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_bucket IS NULL OR extract(month FROM p_bucket) <> 0 OR extract(year FROM p_bucket) <> 0
       OR NOT pingsvc.rtt_hour_aligned(p_from, p_to, p_bucket) THEN
        RAISE EXCEPTION 'link_rtt_summary: p_bucket must be a whole number of hours and p_from, p_to must fall on UTC hours, got % [%, %)',
                        p_bucket, p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT s.folded_to INTO v_folded FROM pingsvc.rtt_fold_state s;

    RETURN QUERY
    SELECT date_bin(p_bucket, x.ts, v_epoch) AS bucket_start,
           count(*) AS samples,
           percentile_cont(0.1) WITHIN GROUP (ORDER BY x.diff) AS p10_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY x.diff) AS median_ms,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY x.diff) AS p90_ms
      FROM (SELECT b.bucket_start AS ts, u.diff
              FROM pingsvc.link_rtt_buckets b
              CROSS JOIN LATERAL unnest(b.diffs) AS u(diff)
             WHERE b.near = p_near AND b.far = p_far
               AND b.bucket_start >= p_from AND b.bucket_start < p_to
            UNION ALL
            SELECT l.ts, l.diff
              FROM (SELECT DISTINCT ON (t.trace_id)
                           t.ts,
                           (SELECT min(h.rtt_ms) FROM pingsvc.hops h
                             WHERE h.trace_id = t.trace_id AND h.ts = t.ts
                               AND h.ttl = g.i + 1 AND h.address = p_far)
                         - (SELECT min(h.rtt_ms) FROM pingsvc.hops h
                             WHERE h.trace_id = t.trace_id AND h.ts = t.ts
                               AND h.ttl = g.i AND h.address = p_near) AS diff
                      FROM pingsvc.traces t
                      CROSS JOIN LATERAL generate_series(1, cardinality(t.path) - 1) AS g(i)
                     WHERE t.trace_id > v_folded
                       AND t.ts >= p_from AND t.ts < p_to
                       AND t.path @> ARRAY[p_near, p_far]
                       AND t.path[g.i] = p_near AND t.path[g.i + 1] = p_far
                     ORDER BY t.trace_id, g.i) AS l
             WHERE l.diff IS NOT NULL) AS x
     GROUP BY 1
     ORDER BY 1;
END;
$$;

COMMENT ON FUNCTION pingsvc.link_rtt_summary(inet, inet, timestamptz, timestamptz, interval) IS
    'RTT jump across the link near -> far per time bucket of [p_from, p_to) (date_bin from the epoch, whole hours, default 1 hour): samples and 10th/50th/90th percentiles (percentile_cont, ms), one sample per trace showing the link with both ends timed; from link_rtt_buckets plus the traces not folded yet.  Raises 22023 on NULL ends, p_to <= p_from, or a bucket or range not made of whole UTC hours.';

REVOKE ALL ON FUNCTION pingsvc.link_rtt_summary(inet, inet, timestamptz, timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.link_rtt_summary(inet, inet, timestamptz, timestamptz, interval)
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
