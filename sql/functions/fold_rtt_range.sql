-- pingsvc.fold_rtt_range: add the samples of the traces with trace_id in
-- (p_after, p_upto] to rtt_buckets and link_rtt_buckets (merged, sorted,
-- into existing hour buckets).  Returns the number of those traces.  The
-- step of fold_rtt_buckets(), which alone decides which ranges are safe to
-- fold and never folds one twice (callers: use that one).
--
-- Samples, as rtt_summary() and link_rtt_daily count them: for
-- rtt_buckets the timed hops of a reached trace at its reached_ttl from its
-- target; for link_rtt_buckets, per trace and link (path[i], path[i+1]),
-- both answered and different, at the link's first position, min rtt of
-- path[i+1]'s replies at TTL i+1 minus min rtt of path[i]'s at TTL i, when
-- both are timed.
--
-- Concurrency: upserts in key order (PRIMARY KEY conflicts add to the
-- bucket); the caller serialises folds.

CREATE FUNCTION pingsvc.fold_rtt_range(p_after bigint, p_upto bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
AS $$
DECLARE
    v_n bigint;
BEGIN
    -- Each trace's hops are read through its own index lookup (LATERAL,
    -- pruned to the trace's partition), never by scanning hops.
    WITH t AS MATERIALIZED (
        SELECT t.trace_id, t.ts, t.vantage, t.target, t.reached_ttl, t.path
          FROM pingsvc.traces t
         WHERE t.trace_id > p_after AND t.trace_id <= p_upto
    ), hm AS MATERIALIZED (
        -- per trace, TTL and address: the timed rtts and their minimum
        SELECT t.trace_id, x.ttl, x.address, x.rtts, x.r
          FROM t
          CROSS JOIN LATERAL (
              SELECT h.ttl, h.address,
                     array_agg(h.rtt_ms) FILTER (WHERE h.rtt_ms IS NOT NULL) AS rtts,
                     min(h.rtt_ms) AS r
                FROM pingsvc.hops h
               WHERE h.trace_id = t.trace_id AND h.ts = t.ts
               GROUP BY h.ttl, h.address) AS x
    ), dst AS (
        INSERT INTO pingsvc.rtt_buckets AS b (vantage, target, bucket_start, rtts)
        SELECT t.vantage, t.target,
               date_bin('1 hour', t.ts, timestamptz '1970-01-01 00:00:00+00'),
               array_agg(u.r ORDER BY u.r)
          FROM t
          JOIN hm ON hm.trace_id = t.trace_id AND hm.ttl = t.reached_ttl AND hm.address = t.target
          CROSS JOIN LATERAL unnest(hm.rtts) AS u(r)
         WHERE t.reached_ttl IS NOT NULL
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3
        ON CONFLICT (vantage, target, bucket_start) DO UPDATE
           SET rtts = ARRAY(SELECT s.x FROM unnest(b.rtts || excluded.rtts) AS s(x) ORDER BY s.x)
        RETURNING 1
    ), lp AS (
        -- each trace's links, at their first position
        SELECT DISTINCT ON (t.trace_id, t.path[g.i], t.path[g.i + 1])
               t.trace_id, t.ts, g.i, t.path[g.i] AS near, t.path[g.i + 1] AS far
          FROM t
          CROSS JOIN LATERAL generate_series(1, cardinality(t.path) - 1) AS g(i)
         WHERE t.path[g.i] IS NOT NULL AND t.path[g.i + 1] IS NOT NULL
           AND t.path[g.i] <> t.path[g.i + 1]
         ORDER BY t.trace_id, t.path[g.i], t.path[g.i + 1], g.i
    ), lk AS (
        INSERT INTO pingsvc.link_rtt_buckets AS b (near, far, bucket_start, diffs)
        SELECT lp.near, lp.far, date_bin('1 hour', lp.ts, timestamptz '1970-01-01 00:00:00+00'),
               array_agg(f.r - n.r ORDER BY f.r - n.r)
          FROM lp
          JOIN hm n ON n.trace_id = lp.trace_id AND n.ttl = lp.i AND n.address = lp.near
          JOIN hm f ON f.trace_id = lp.trace_id AND f.ttl = lp.i + 1 AND f.address = lp.far
         WHERE n.r IS NOT NULL AND f.r IS NOT NULL
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3
        ON CONFLICT (near, far, bucket_start) DO UPDATE
           SET diffs = ARRAY(SELECT s.x FROM unnest(b.diffs || excluded.diffs) AS s(x) ORDER BY s.x)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM t) + 0 * (SELECT count(*) FROM dst) + 0 * (SELECT count(*) FROM lk)
      INTO v_n;
    RETURN v_n;
END;
$$;

COMMENT ON FUNCTION pingsvc.fold_rtt_range(bigint, bigint) IS
    'One step of fold_rtt_buckets(): merge the samples of the traces with trace_id in (p_after, p_upto] into rtt_buckets and link_rtt_buckets; returns how many traces that was.  Folding a range twice counts it twice: call fold_rtt_buckets() instead.';

REVOKE ALL ON FUNCTION pingsvc.fold_rtt_range(bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.fold_rtt_range(bigint, bigint) TO pingsvc_frontier;
