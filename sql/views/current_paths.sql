-- pingsvc.current_paths: the current path of every flow with the
-- stability features DTRACK uses to judge how likely a path is to change:
-- prevalence (share of the traces since the last change that matched the
-- current path), number of past changes, age of the current path; plus a
-- pending candidate, if any.  Reads pingsvc.flows only (cheap).

CREATE VIEW pingsvc.current_paths AS
SELECT f.flow_id, f.vantage, f.target, f.proto, f.paris_id,
       f.cur_path                                   AS path,
       f.cur_reached_ttl IS NOT NULL                AS reached,
       f.cur_reached_ttl                            AS reached_ttl,
       f.cur_since                                  AS since,
       f.cur_last_at                                AS last_seen,
       f.cur_traces                                 AS path_traces,
       f.cur_traces::double precision / f.traces_since_change AS prevalence,
       f.changes,
       f.transients,
       now() - f.cur_since                          AS age,
       f.cand_path                                  AS candidate_path,
       f.cand_traces                                AS candidate_traces,
       f.first_seen,
       f.traces,
       f.late_traces
  FROM pingsvc.flows f;

COMMENT ON VIEW pingsvc.current_paths IS
    'Current path of every flow (vantage, target, proto, paris_id) with DTRACK-style stability features: prevalence, past changes, age; and the pending candidate path.';
COMMENT ON COLUMN pingsvc.current_paths.flow_id IS 'The flow (pingsvc.flows).';
COMMENT ON COLUMN pingsvc.current_paths.vantage IS 'Worker name or ''atlas:<prb_id>''.';
COMMENT ON COLUMN pingsvc.current_paths.target IS 'Destination of the flow.';
COMMENT ON COLUMN pingsvc.current_paths.proto IS 'Probe protocol of the flow.';
COMMENT ON COLUMN pingsvc.current_paths.paris_id IS 'Paris id of the flow.';
COMMENT ON COLUMN pingsvc.current_paths.path IS 'Current path, merged over its matching traces (NULL = no reply ever at that TTL).';
COMMENT ON COLUMN pingsvc.current_paths.reached IS 'Whether the current path reaches the target.';
COMMENT ON COLUMN pingsvc.current_paths.reached_ttl IS 'TTL at which it reaches the target; NULL if not.';
COMMENT ON COLUMN pingsvc.current_paths.since IS 'ts of the first trace on the current path.';
COMMENT ON COLUMN pingsvc.current_paths.last_seen IS 'ts of the latest trace that matched it.';
COMMENT ON COLUMN pingsvc.current_paths.path_traces IS 'Traces that matched the current path.';
COMMENT ON COLUMN pingsvc.current_paths.prevalence IS 'path_traces / all traces since the path became current (1 = no transient since).';
COMMENT ON COLUMN pingsvc.current_paths.changes IS 'Lasting route changes of the flow so far.';
COMMENT ON COLUMN pingsvc.current_paths.transients IS 'Candidates abandoned before K confirmations (transients) so far.';
COMMENT ON COLUMN pingsvc.current_paths.age IS 'How long the current path has been in force (now() - since).';
COMMENT ON COLUMN pingsvc.current_paths.candidate_path IS 'Candidate path awaiting confirmation; NULL if none.';
COMMENT ON COLUMN pingsvc.current_paths.candidate_traces IS 'Consecutive traces that matched the candidate (K make a change).';
COMMENT ON COLUMN pingsvc.current_paths.first_seen IS 'ts of the flow''s first trace.';
COMMENT ON COLUMN pingsvc.current_paths.traces IS 'Traces fed to detection for the flow.';
COMMENT ON COLUMN pingsvc.current_paths.late_traces IS 'Traces that arrived too late (older than the last fed) and were not fed.';
