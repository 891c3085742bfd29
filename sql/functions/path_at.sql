-- pingsvc.path_at: the path(s) in force from p_vantage to p_target at time
-- p_at, one row per flow (proto, paris_id) whose path history covers p_at,
-- from pingsvc.flow_paths: a path is in force from its first trace until
-- the next lasting route change of its flow (valid_to NULL: still now).
-- Nothing is returned before a flow's first trace.  last_seen tells how
-- recently a trace confirmed the path.  A (vantage, target) without any
-- detection state (traces stored before migration 0002, or written
-- directly rather than by process_results()) falls back to the latest
-- trace of each flow at or before p_at: basis 'trace' instead of
-- 'history', valid_to NULL.  The fallback is decided once per call, so
-- pairs with history never scan their traces.
--
-- Concurrency: a plain read (STABLE) of flows and flow_paths, consistent
-- with the calling statement's snapshot; no locks beyond ACCESS SHARE.

CREATE FUNCTION pingsvc.path_at(p_vantage text, p_target inet, p_at timestamptz)
RETURNS TABLE (proto text, paris_id integer, path inet[], reached boolean, reached_ttl smallint,
               valid_from timestamptz, valid_to timestamptz, last_seen timestamptz, traces bigint,
               basis text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT x.proto, x.paris_id, x.path, x.reached, x.reached_ttl,
           x.valid_from, x.valid_to, x.last_seen, x.traces, x.basis
      FROM (SELECT f.proto, f.paris_id, p.path, p.reached_ttl IS NOT NULL AS reached, p.reached_ttl,
                   p.valid_from, p.valid_to, p.last_seen, p.traces, 'history' AS basis
              FROM pingsvc.flows f
              JOIN pingsvc.flow_paths p ON p.flow_id = f.flow_id
             WHERE f.vantage = p_vantage
               AND f.target = p_target
               AND p.valid_from <= p_at
               AND (p.valid_to IS NULL OR p.valid_to > p_at)
            UNION ALL
            (SELECT DISTINCT ON (t.proto, t.paris_id)
                   t.proto, t.paris_id, t.path, t.reached, t.reached_ttl,
                   t.ts, NULL::timestamptz, t.ts, 1::bigint, 'trace'
              FROM pingsvc.traces t
             WHERE t.vantage = p_vantage
               AND t.target = p_target
               AND t.ts <= p_at
               AND NOT EXISTS (SELECT 1 FROM pingsvc.flows f
                                WHERE f.vantage = p_vantage AND f.target = p_target)
             ORDER BY t.proto, t.paris_id, t.ts DESC)) AS x
     ORDER BY x.proto, x.paris_id;
END;

COMMENT ON FUNCTION pingsvc.path_at(text, inet, timestamptz) IS
    'The path in force from a vantage to a target at a time, one row per flow (proto, paris_id), with its validity interval [valid_from, valid_to) from the flow''s path history (basis history), or the latest trace at or before that time for flows without detection state (basis trace).';
