-- pingsvc.rtt_summary: RTT summaries from p_vantage to p_target per time
-- bucket of [p_from, p_to), for the viewer's latency plots.  The samples are
-- the destination's own replies to traceroutes: the hops rows of the traces
-- from p_vantage to p_target, at the trace's reached_ttl and from the
-- target's address, with a timed rtt.  Buckets are date_bin(p_bucket, ts,
-- epoch), so a 1-day bucket is a UTC day; buckets without samples are not
-- returned.  Percentiles are continuous (percentile_cont), one sample per
-- reply.  Ping results are not included (traces only).
--
-- Concurrency: a plain read (STABLE) of traces and hops, consistent with
-- the calling statement's snapshot; takes no locks beyond ACCESS SHARE.
-- Both tables are bounded by ts, so only the partitions of [p_from, p_to)
-- are read.

CREATE FUNCTION pingsvc.rtt_summary(
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

    RETURN QUERY
    SELECT date_bin(p_bucket, t.ts, timestamptz '1970-01-01 00:00:00+00') AS bucket_start,
           count(*) AS samples,
           percentile_cont(0.1) WITHIN GROUP (ORDER BY h.rtt_ms) AS p10_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY h.rtt_ms) AS median_ms,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY h.rtt_ms) AS p90_ms
      FROM pingsvc.traces t
      JOIN pingsvc.hops h
        ON h.trace_id = t.trace_id
       AND h.ts = t.ts
       AND h.ttl = t.reached_ttl
       AND h.address = t.target
     WHERE t.vantage = p_vantage
       AND t.target = p_target
       AND t.reached
       AND t.ts >= p_from AND t.ts < p_to
       AND h.ts >= p_from AND h.ts < p_to
       AND h.rtt_ms IS NOT NULL
     GROUP BY 1
     ORDER BY 1;
END;
$$;

COMMENT ON FUNCTION pingsvc.rtt_summary(text, inet, timestamptz, timestamptz, interval) IS
    'RTT from a vantage to a target per time bucket of [p_from, p_to) (date_bin from the epoch, default 1 hour): number of samples and 10th/50th/90th percentiles (percentile_cont, ms) of the destination''s replies (hops at reached_ttl from the target) in traceroutes; empty buckets are omitted.  Raises 22023 on a NULL vantage/target, p_to <= p_from, or a bucket that is not a positive interval of days/hours/minutes/seconds.';

REVOKE ALL ON FUNCTION pingsvc.rtt_summary(text, inet, timestamptz, timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.rtt_summary(text, inet, timestamptz, timestamptz, interval)
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
