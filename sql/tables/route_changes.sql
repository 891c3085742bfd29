-- pingsvc.route_changes: lasting path changes per flow, as ROUTE-CHANGES.md
-- defines them (transients and load balancing are not rows).

CREATE TABLE pingsvc.route_changes (
    change_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vantage         text        NOT NULL
                                CHECK (vantage ~ '^([A-Za-z0-9][A-Za-z0-9._-]{0,62}|atlas:[0-9]{1,10})$'),
    target          inet        NOT NULL
                                CONSTRAINT route_changes_target_host
                                CHECK (pingsvc.is_host_address(target)),
    proto           text        NOT NULL CHECK (proto IN ('icmp', 'udp', 'tcp')),
    paris_id        integer     CHECK (paris_id BETWEEN 0 AND 65535),
    detected_at     timestamptz NOT NULL,
    last_old_at     timestamptz,
    old_path        inet[]      NOT NULL
                                CONSTRAINT route_changes_old_path_hosts
                                CHECK (pingsvc.is_host_path(old_path)),
    new_path        inet[]      NOT NULL
                                CONSTRAINT route_changes_new_path_hosts
                                CHECK (pingsvc.is_host_path(new_path)),
    old_reached     boolean     NOT NULL,
    new_reached     boolean     NOT NULL,
    diverge_ttl     smallint    NOT NULL CHECK (diverge_ttl BETWEEN 1 AND 255),
    rejoin_ttl      smallint    CHECK (rejoin_ttl BETWEEN 1 AND 255),
    kind            text        NOT NULL CHECK (kind IN ('hop', 'length', 'reachability')),
    as_changed      boolean,
    changed_hops    inet[],
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT route_changes_old_before_new CHECK (last_old_at <= detected_at),
    CONSTRAINT route_changes_rejoin_after CHECK (rejoin_ttl >= diverge_ttl),
    CONSTRAINT route_changes_kind_reach
        CHECK ((kind = 'reachability') = (old_reached <> new_reached)),
    CONSTRAINT route_changes_kind_length
        CHECK (kind <> 'length' OR (old_reached AND new_reached))
);

CREATE INDEX route_changes_flow_idx
    ON pingsvc.route_changes (vantage, target, proto, paris_id, detected_at);
CREATE INDEX route_changes_detected_idx ON pingsvc.route_changes (detected_at);
CREATE INDEX route_changes_target_idx ON pingsvc.route_changes (target, detected_at);

COMMENT ON TABLE pingsvc.route_changes IS
    'Lasting route changes, one row per flow (vantage, target, proto, paris_id) and change, as defined in ROUTE-CHANGES.md.';
COMMENT ON COLUMN pingsvc.route_changes.change_id IS
    'Change number.';
COMMENT ON COLUMN pingsvc.route_changes.vantage IS
    'Vantage of the flow: worker name or ''atlas:<prb_id>''.';
COMMENT ON COLUMN pingsvc.route_changes.target IS
    'Destination of the flow.';
COMMENT ON COLUMN pingsvc.route_changes.proto IS
    'Probe protocol of the flow.';
COMMENT ON COLUMN pingsvc.route_changes.paris_id IS
    'Paris id of the flow.';
COMMENT ON COLUMN pingsvc.route_changes.detected_at IS
    'ts of the first trace on the new path.';
COMMENT ON COLUMN pingsvc.route_changes.last_old_at IS
    'ts of the last trace on the old path (the change happened between last_old_at and detected_at).';
COMMENT ON COLUMN pingsvc.route_changes.old_path IS
    'The path before the change (NULL elements = no reply).';
COMMENT ON COLUMN pingsvc.route_changes.new_path IS
    'The path after the change.';
COMMENT ON COLUMN pingsvc.route_changes.old_reached IS
    'Whether the old path reached the destination.';
COMMENT ON COLUMN pingsvc.route_changes.new_reached IS
    'Whether the new path reaches the destination.';
COMMENT ON COLUMN pingsvc.route_changes.diverge_ttl IS
    'First TTL where the paths hold different addresses, or where one reached the destination and the other did not.';
COMMENT ON COLUMN pingsvc.route_changes.rejoin_ttl IS
    'TTL on the new path of the first address after the divergence that both paths share; NULL if they never rejoin.';
COMMENT ON COLUMN pingsvc.route_changes.kind IS
    'hop (same length, other addresses), length (destination reached at another TTL) or reachability (reached before and not now, or the reverse).';
COMMENT ON COLUMN pingsvc.route_changes.as_changed IS
    'Whether the AS-level path changed too; NULL if unknown.';
COMMENT ON COLUMN pingsvc.route_changes.changed_hops IS
    'Addresses of the new path between diverge_ttl and rejoin_ttl that the old path lacked.';
COMMENT ON COLUMN pingsvc.route_changes.recorded_at IS
    'When the row was written.';

GRANT SELECT, INSERT, UPDATE ON pingsvc.route_changes TO pingsvc_ingest;
GRANT SELECT ON pingsvc.route_changes TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
