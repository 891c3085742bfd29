-- pingsvc.path_stability: DTRACK's stability features (Cunha et al.,
-- SIGCOMM 2011) for every path in every flow's history, one row per
-- flow_paths row, so that the frontier can re-probe unstable paths first:
--   occurrences  the episodes of the flow (flow_paths rows) whose path
--                matches this one as detection matches paths (ROUTE-
--                CHANGES.md: `*` matches anything, same reached TTL), this
--                one included: how often the flow came back to this route;
--   prevalence   the share of the flow's observed time (first trace to
--                last trace) it spent on this route, over those episodes;
--   changes      the flow's lasting route changes so far;
--   age          how long this episode has lasted: until now for the
--                current path (DTRACK's age), until the change that ended
--                it otherwise.
-- current_paths (0002) has another `prevalence`: the share of the traces
-- since the current path began that matched it (transients lower it).
--
-- A read of flow_paths and flows: per row, the flow's other flow_paths
-- rows by (flow_id, valid_from), compared in C (array equality; paths
-- without `*` of one length match only when equal) unless a path holds
-- `*`s (then paths_match()).  Filters on flow_id, current, vantage or
-- target apply before that work.

CREATE VIEW pingsvc.path_stability AS
SELECT f.vantage, f.target, f.proto, f.paris_id, p.flow_id, p.seq,
       p.valid_to IS NULL                           AS current,
       p.path,
       p.reached_ttl IS NOT NULL                    AS reached,
       p.reached_ttl,
       p.as_path,
       p.valid_from, p.valid_to, p.last_seen, p.traces,
       s.occurrences,
       CASE WHEN f.last_ts > f.first_seen
            THEN least(1, extract(epoch FROM s.time_on) / extract(epoch FROM f.last_ts - f.first_seen))
            ELSE 1 END::double precision            AS prevalence,
       f.changes,
       coalesce(p.valid_to, now()) - p.valid_from   AS age
  FROM pingsvc.flow_paths p
  JOIN pingsvc.flows f ON f.flow_id = p.flow_id
  CROSS JOIN LATERAL (
      SELECT count(*) AS occurrences,
             sum(greatest(coalesce(o.valid_to, f.last_ts), o.valid_from) - o.valid_from) AS time_on
        FROM pingsvc.flow_paths o
       WHERE o.flow_id = p.flow_id
         AND o.reached_ttl IS NOT DISTINCT FROM p.reached_ttl
         AND (o.path = p.path
              OR CASE WHEN array_position(o.path, NULL) IS NULL AND array_position(p.path, NULL) IS NULL
                      THEN cardinality(o.path) <> cardinality(p.path)
                           AND o.path[1:least(cardinality(o.path), cardinality(p.path))]
                               = p.path[1:least(cardinality(o.path), cardinality(p.path))]
                      ELSE pingsvc.paths_match(o.path, o.reached_ttl, p.path, p.reached_ttl) END)) AS s;

COMMENT ON VIEW pingsvc.path_stability IS
    'Every path of every flow''s history with DTRACK''s stability features: occurrences (episodes of a matching path), prevalence (share of the flow''s observed time on it), the flow''s changes, age.  WHERE current gives the current paths.';
COMMENT ON COLUMN pingsvc.path_stability.vantage IS 'Worker name or ''atlas:<prb_id>''.';
COMMENT ON COLUMN pingsvc.path_stability.target IS 'Destination of the flow.';
COMMENT ON COLUMN pingsvc.path_stability.proto IS 'Probe protocol of the flow.';
COMMENT ON COLUMN pingsvc.path_stability.paris_id IS 'Paris id of the flow.';
COMMENT ON COLUMN pingsvc.path_stability.flow_id IS 'The flow (pingsvc.flows).';
COMMENT ON COLUMN pingsvc.path_stability.seq IS 'Position in the flow''s history, 1 = first path (pingsvc.flow_paths.seq).';
COMMENT ON COLUMN pingsvc.path_stability.current IS 'Whether this is the flow''s current path (valid_to NULL).';
COMMENT ON COLUMN pingsvc.path_stability.path IS 'The path (NULL = no reply ever at that TTL).';
COMMENT ON COLUMN pingsvc.path_stability.reached IS 'Whether the path reaches the target.';
COMMENT ON COLUMN pingsvc.path_stability.reached_ttl IS 'TTL at which it reaches the target; NULL if not.';
COMMENT ON COLUMN pingsvc.path_stability.as_path IS 'AS path of the path (flow_paths.as_path); NULL without AS data.';
COMMENT ON COLUMN pingsvc.path_stability.valid_from IS 'ts of the first trace of this episode.';
COMMENT ON COLUMN pingsvc.path_stability.valid_to IS 'detected_at of the change that ended the episode (excluded); NULL while current.';
COMMENT ON COLUMN pingsvc.path_stability.last_seen IS 'ts of the latest trace that matched it in this episode.';
COMMENT ON COLUMN pingsvc.path_stability.traces IS 'Traces that matched it in this episode.';
COMMENT ON COLUMN pingsvc.path_stability.occurrences IS 'Episodes of the flow (this one included) whose path matches this one (ROUTE-CHANGES.md match): 1 = the flow never was on this route at another time.';
COMMENT ON COLUMN pingsvc.path_stability.prevalence IS 'Share of the flow''s observed time (first_seen to last_ts) spent on a matching path, over those episodes (the open one up to the last trace); 1 for a flow seen at one instant.';
COMMENT ON COLUMN pingsvc.path_stability.changes IS 'Lasting route changes of the flow so far (pingsvc.flows.changes).';
COMMENT ON COLUMN pingsvc.path_stability.age IS 'How long the episode lasted: now() - valid_from for the current path, valid_to - valid_from otherwise.';

GRANT SELECT ON pingsvc.path_stability TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
