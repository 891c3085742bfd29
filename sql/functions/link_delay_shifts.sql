-- pingsvc.link_delay_shifts: days on which the RTT jump of an IP link left
-- its own history, after the Internet Health Report's delay-change method.
-- A link's differential RTT on a day is link_rtt_daily.rtt_diff_avg_ms (the
-- mean rtt(far) - rtt(near) of that UTC day; days without timed sightings
-- are skipped).  For every day on or after the UTC day of p_since, the
-- reference is the median and the median absolute deviation (MAD) of the
-- link's differential RTT over all its earlier days; a day with fewer than
-- p_min_days earlier days is not judged.  A day is returned when
-- |diff - ref_median| > p_threshold * max(ref_mad, 0.1 ms), with score =
-- |diff - ref_median| / max(ref_mad, 0.1 ms) (the 0.1 ms floor keeps a
-- perfectly flat history from flagging every jitter).
--
-- Concurrency: a plain read (STABLE) of link_rtt_daily, consistent with
-- the calling statement's snapshot; takes no locks beyond ACCESS SHARE.
-- Days still being written by process_results() are judged as they stand.

CREATE FUNCTION pingsvc.link_delay_shifts(
    p_since     timestamptz,
    p_min_days  integer DEFAULT 3,
    p_threshold double precision DEFAULT 3.0)
RETURNS TABLE (near inet, far inet, day date, diff_ms double precision,
               ref_median_ms double precision, ref_mad_ms double precision,
               score double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    v_since_day date;
BEGIN
    IF p_since IS NULL THEN
        RAISE EXCEPTION 'link_delay_shifts: p_since must not be NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_min_days IS NULL OR p_min_days < 1 THEN
        RAISE EXCEPTION 'link_delay_shifts: p_min_days must be at least 1, got %', p_min_days
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_threshold IS NULL OR NOT p_threshold > 0 OR p_threshold = 'Infinity' THEN
        RAISE EXCEPTION 'link_delay_shifts: p_threshold must be a positive finite number, got %', p_threshold
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_since_day := (p_since AT TIME ZONE 'UTC')::date;

    RETURN QUERY
    WITH daily AS MATERIALIZED (
        SELECT d.near, d.far, d.day, d.rtt_diff_avg_ms AS diff
          FROM pingsvc.link_rtt_daily d
         WHERE d.rtt_diff_count > 0
           AND d.rtt_diff_avg_ms IS NOT NULL
           AND EXISTS (SELECT 1 FROM pingsvc.link_rtt_daily c
                        WHERE c.near = d.near AND c.far = d.far
                          AND c.day >= v_since_day AND c.rtt_diff_count > 0)
    ), hist AS MATERIALIZED (
        -- every judged day with each of its link's earlier days
        SELECT c.near, c.far, c.day, c.diff, e.diff AS past
          FROM daily c
          JOIN daily e ON e.near = c.near AND e.far = c.far AND e.day < c.day
         WHERE c.day >= v_since_day
    ), med AS (
        SELECT x.near, x.far, x.day, x.diff,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY x.past) AS ref_median
          FROM hist x
         GROUP BY x.near, x.far, x.day, x.diff
        HAVING count(*) >= p_min_days
    ), mad AS (
        SELECT m.near, m.far, m.day, m.diff, m.ref_median,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(x.past - m.ref_median)) AS ref_mad
          FROM med m
          JOIN hist x ON x.near = m.near AND x.far = m.far AND x.day = m.day
         GROUP BY m.near, m.far, m.day, m.diff, m.ref_median
    )
    SELECT s.near, s.far, s.day, s.diff, s.ref_median, s.ref_mad,
           abs(s.diff - s.ref_median) / greatest(s.ref_mad, 0.1)
      FROM mad s
     WHERE abs(s.diff - s.ref_median) > p_threshold * greatest(s.ref_mad, 0.1)
     ORDER BY s.near, s.far, s.day;
END;
$$;

COMMENT ON FUNCTION pingsvc.link_delay_shifts(timestamptz, integer, double precision) IS
    'Days (from the UTC day of p_since) on which a link''s mean RTT jump (link_rtt_daily.rtt_diff_avg_ms) deviates from the median of all its earlier days by more than p_threshold x max(MAD of those days, 0.1 ms); needs at least p_min_days earlier days.  score = |diff - ref_median| / max(ref_mad, 0.1 ms).  IHR-style delay-change detection.  Raises 22023 on a NULL p_since, p_min_days < 1 or a p_threshold that is not positive and finite.';

REVOKE ALL ON FUNCTION pingsvc.link_delay_shifts(timestamptz, integer, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.link_delay_shifts(timestamptz, integer, double precision)
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
