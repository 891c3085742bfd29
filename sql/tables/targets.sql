-- pingsvc.targets: every address we may probe, where it came from, and its
-- scheduling state.  The frontier turns due targets into jobs; the gateway
-- adds public hop addresses learned from traceroutes (source 'hop').

CREATE TABLE pingsvc.targets (
    address             inet        PRIMARY KEY
                                    CONSTRAINT targets_address_host
                                    CHECK (pingsvc.is_host_address(address)),
    source              text        NOT NULL
                                    CHECK (source IN ('bootstrap', 'hop', 'manual', 'atlas')),
    source_detail       text        CHECK (length(source_detail) BETWEEN 1 AND 200),
    first_seen          timestamptz NOT NULL DEFAULT now(),
    last_seen           timestamptz NOT NULL DEFAULT now(),
    state               text        NOT NULL DEFAULT 'new'
                                    CHECK (state IN ('new', 'responsive', 'flaky', 'dead', 'opted_out')),
    reliability         real        NOT NULL DEFAULT 0.5
                                    CHECK (reliability BETWEEN 0 AND 1),
    cooldown            interval    NOT NULL DEFAULT '1 hour'
                                    CHECK (cooldown > interval '0'),
    next_due            timestamptz NOT NULL DEFAULT now(),
    last_probed         timestamptz,
    discovered_by_trace bigint,
    asn                 bigint      CHECK (asn BETWEEN 0 AND 4294967295),
    location            public.geography(Point, 4326),
    CONSTRAINT targets_seen_order CHECK (last_seen >= first_seen)
);

CREATE INDEX targets_next_due_idx ON pingsvc.targets (next_due)
    WHERE state NOT IN ('dead', 'opted_out');
CREATE INDEX targets_asn_idx ON pingsvc.targets (asn) WHERE asn IS NOT NULL;

COMMENT ON TABLE pingsvc.targets IS
    'Addresses to probe: bootstrap lists, hops learned from traceroutes, manual entries, RIPE Atlas destinations; with their scheduling state.';
COMMENT ON COLUMN pingsvc.targets.address IS
    'The target, a single host address (IPv4 /32 or IPv6 /128).';
COMMENT ON COLUMN pingsvc.targets.source IS
    'How we learned the address: bootstrap (a list), hop (seen in a traceroute), manual, atlas (a RIPE Atlas result).';
COMMENT ON COLUMN pingsvc.targets.source_detail IS
    'More about the source, e.g. the list or provider name (''cloudflare-v4'').';
COMMENT ON COLUMN pingsvc.targets.first_seen IS
    'When the address was first added.';
COMMENT ON COLUMN pingsvc.targets.last_seen IS
    'When the address was last seen in a source (a list reload, a traceroute hop).';
COMMENT ON COLUMN pingsvc.targets.state IS
    'new (never probed), responsive, flaky, dead, or opted_out (its operator asked us to stop: never probed again).';
COMMENT ON COLUMN pingsvc.targets.reliability IS
    'Score 0..1 of how often the target answers, kept by the frontier; 0.5 until measured.';
COMMENT ON COLUMN pingsvc.targets.cooldown IS
    'Minimum time between two probes of this target (positive).';
COMMENT ON COLUMN pingsvc.targets.next_due IS
    'Earliest time the frontier may make the next job for this target.';
COMMENT ON COLUMN pingsvc.targets.last_probed IS
    'Time of the latest result for this target; NULL if never probed.';
COMMENT ON COLUMN pingsvc.targets.discovered_by_trace IS
    'For source hop: the trace_id (in pingsvc.traces) that first showed the address.  No foreign key: traces is partitioned.';
COMMENT ON COLUMN pingsvc.targets.asn IS
    'Origin AS number of the address (32-bit), if known.';
COMMENT ON COLUMN pingsvc.targets.location IS
    'Estimated location of the address (WGS 84 point), if known.';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.targets TO pingsvc_frontier;
GRANT SELECT, INSERT ON pingsvc.targets TO pingsvc_ingest;
GRANT UPDATE (last_seen, last_probed) ON pingsvc.targets TO pingsvc_ingest;
GRANT SELECT ON pingsvc.targets TO pingsvc_viewer, pingsvc_analyst;
