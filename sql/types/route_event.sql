-- pingsvc.route_event: one lasting route change found by fold_flow(),
-- before it is written to route_changes.  A plain composite type.

CREATE TYPE pingsvc.route_event AS (
    flow_id         bigint,
    change_id       bigint,
    detected_at     timestamptz,
    last_old_at     timestamptz,
    old_path        inet[],
    old_reached_ttl smallint,
    old_since       timestamptz,
    old_traces      bigint,
    new_path        inet[],
    new_reached_ttl smallint,
    new_traces      bigint
);

COMMENT ON TYPE pingsvc.route_event IS
    'A lasting route change found by fold_flow() (flow_id and change_id are filled in by process_results()): when, the old path (with its first ts and trace count) and the new path as confirmed.';
