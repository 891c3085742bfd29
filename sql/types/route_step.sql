-- pingsvc.route_step: one trace as route-change detection sees it (the
-- input of fold_flow()).  A plain composite type: no locks, no state.

CREATE TYPE pingsvc.route_step AS (
    trace_id    bigint,
    ts          timestamptz,
    path        inet[],
    reached_ttl smallint
);

COMMENT ON TYPE pingsvc.route_step IS
    'One trace fed to route-change detection: trace_id, ts, path (NULL = *), reached_ttl (NULL = not reached).';
