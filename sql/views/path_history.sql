-- pingsvc.path_history: pingsvc.flow_paths with the flow spelled out, one
-- row per path a flow was on and its validity interval.  Plain join of two
-- tables that process_results() maintains.

CREATE VIEW pingsvc.path_history AS
SELECT f.vantage, f.target, f.proto, f.paris_id, p.flow_id, p.seq,
       p.path, p.reached_ttl IS NOT NULL AS reached, p.reached_ttl,
       p.valid_from, p.valid_to, p.last_seen, p.traces, p.change_id
  FROM pingsvc.flow_paths p
  JOIN pingsvc.flows f ON f.flow_id = p.flow_id;

COMMENT ON VIEW pingsvc.path_history IS
    'Every path each flow was on, valid from its first trace until the next lasting route change ([valid_from, valid_to), valid_to NULL = current).';
COMMENT ON COLUMN pingsvc.path_history.vantage IS 'Worker name or ''atlas:<prb_id>''.';
COMMENT ON COLUMN pingsvc.path_history.target IS 'Destination of the flow.';
COMMENT ON COLUMN pingsvc.path_history.proto IS 'Probe protocol of the flow.';
COMMENT ON COLUMN pingsvc.path_history.paris_id IS 'Paris id of the flow.';
COMMENT ON COLUMN pingsvc.path_history.flow_id IS 'The flow (pingsvc.flows).';
COMMENT ON COLUMN pingsvc.path_history.seq IS 'Position in the flow''s history, 1 = first path.';
COMMENT ON COLUMN pingsvc.path_history.path IS 'The path (NULL = no reply ever at that TTL).';
COMMENT ON COLUMN pingsvc.path_history.reached IS 'Whether the path reaches the target.';
COMMENT ON COLUMN pingsvc.path_history.reached_ttl IS 'TTL at which it reaches the target; NULL if not.';
COMMENT ON COLUMN pingsvc.path_history.valid_from IS 'ts of the first trace on the path.';
COMMENT ON COLUMN pingsvc.path_history.valid_to IS 'detected_at of the change that ended it (excluded); NULL while current.';
COMMENT ON COLUMN pingsvc.path_history.last_seen IS 'ts of the latest trace that matched it.';
COMMENT ON COLUMN pingsvc.path_history.traces IS 'Traces that matched it while it was current.';
COMMENT ON COLUMN pingsvc.path_history.change_id IS 'The route change that started it (pingsvc.route_changes); NULL for a flow''s first path.';
