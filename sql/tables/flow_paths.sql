-- pingsvc.flow_paths: the path history of each flow, one row per path it
-- was on, with its validity interval [valid_from, valid_to).
--
-- Written by process_results() under the flow's advisory lock: the open row
-- (valid_to NULL) follows the flow's current path; a route change closes it
-- at the change's detected_at and opens the next one.  path_at() reads it.
-- A flow that leaves a path and comes back later gets a new row.

CREATE TABLE pingsvc.flow_paths (
    flow_id     bigint      NOT NULL,
    seq         integer     NOT NULL CHECK (seq >= 1),
    path        inet[]      NOT NULL
                            CONSTRAINT flow_paths_path_hosts
                            CHECK (pingsvc.is_host_path(path)),
    reached_ttl smallint    CHECK (reached_ttl BETWEEN 1 AND 255),
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz,
    last_seen   timestamptz NOT NULL,
    traces      bigint      NOT NULL CHECK (traces > 0),
    change_id   bigint,
    PRIMARY KEY (flow_id, seq),
    CONSTRAINT flow_paths_interval CHECK (valid_to IS NULL OR (valid_to >= valid_from AND last_seen <= valid_to)),
    CONSTRAINT flow_paths_last_seen CHECK (last_seen >= valid_from)
);

CREATE UNIQUE INDEX flow_paths_open_key ON pingsvc.flow_paths (flow_id) WHERE valid_to IS NULL;
CREATE INDEX flow_paths_valid_idx ON pingsvc.flow_paths (flow_id, valid_from);

COMMENT ON TABLE pingsvc.flow_paths IS
    'Path history per flow: each path a flow was on, valid from its first trace until the next route change ([valid_from, valid_to)).';
COMMENT ON COLUMN pingsvc.flow_paths.flow_id IS
    'The flow (pingsvc.flows.flow_id).';
COMMENT ON COLUMN pingsvc.flow_paths.seq IS
    'Position in the flow''s history, 1 = first path.';
COMMENT ON COLUMN pingsvc.flow_paths.path IS
    'The path, merged over the traces that matched it (NULL = no reply ever at that TTL).';
COMMENT ON COLUMN pingsvc.flow_paths.reached_ttl IS
    'TTL at which the path reaches the target; NULL if it does not.';
COMMENT ON COLUMN pingsvc.flow_paths.valid_from IS
    'ts of the first trace on the path (the route change''s detected_at, except for seq 1).';
COMMENT ON COLUMN pingsvc.flow_paths.valid_to IS
    'detected_at of the route change that ended it (excluded); NULL while it is the current path.';
COMMENT ON COLUMN pingsvc.flow_paths.last_seen IS
    'ts of the latest trace that matched the path.';
COMMENT ON COLUMN pingsvc.flow_paths.traces IS
    'Traces that matched the path while it was current (the K that confirmed it included).';
COMMENT ON COLUMN pingsvc.flow_paths.change_id IS
    'The route change (pingsvc.route_changes.change_id) that started this path; NULL for the first path of a flow.';

GRANT SELECT, INSERT, UPDATE ON pingsvc.flow_paths TO pingsvc_ingest;
