-- pingsvc.silent_workers_after(interval) and the view pingsvc.silent_workers:
-- workers that are alive (an authenticated request within the interval)
-- but delivered no result for at least the interval.  A worker that
-- heartbeats and claims yet never reports is broken (or cheating); one
-- that is not seen at all is merely down, and is not listed.

CREATE FUNCTION pingsvc.silent_workers_after(p_after interval)
RETURNS TABLE (worker_id bigint, name text, last_seen timestamptz,
               last_result_at timestamptz, silent_for interval)
LANGUAGE sql STABLE
AS $$
    SELECT w.worker_id, w.name, w.last_seen, w.last_result_at,
           now() - coalesce(w.last_result_at, w.created_at)
      FROM pingsvc.workers w
     WHERE w.enabled
       AND w.last_seen >= now() - p_after
       AND coalesce(w.last_result_at, w.created_at) < now() - p_after
     ORDER BY w.worker_id
$$;

COMMENT ON FUNCTION pingsvc.silent_workers_after(interval) IS
    'Enabled workers seen (any authenticated request) within p_after that delivered no result for p_after or longer (never: since enrolment).  The gateway''s /metrics counts them with its silent_after setting.';

CREATE VIEW pingsvc.silent_workers AS
SELECT s.worker_id, s.name, s.last_seen, s.last_result_at, s.silent_for
  FROM pingsvc.silent_workers_after(interval '1 hour') AS s;

COMMENT ON VIEW pingsvc.silent_workers IS
    'Workers alive in the last hour that delivered no result for an hour or more (pingsvc.silent_workers_after(''1 hour'')); use the function for another threshold.';
COMMENT ON COLUMN pingsvc.silent_workers.worker_id IS
    'The worker (pingsvc.workers).';
COMMENT ON COLUMN pingsvc.silent_workers.name IS
    'Worker name.';
COMMENT ON COLUMN pingsvc.silent_workers.last_seen IS
    'Its last authenticated request (heartbeat, claim or submit).';
COMMENT ON COLUMN pingsvc.silent_workers.last_result_at IS
    'When it last delivered results; NULL if never.';
COMMENT ON COLUMN pingsvc.silent_workers.silent_for IS
    'How long it has delivered nothing: since its last result, or since enrolment.';

GRANT SELECT ON pingsvc.silent_workers
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
GRANT EXECUTE ON FUNCTION pingsvc.silent_workers_after(interval)
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
