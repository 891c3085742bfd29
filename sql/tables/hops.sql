-- pingsvc.hops: one row per answered probe of a traceroute.
--
-- Partitioned by ts like traces (same ts as the trace, so a trace and its
-- hops share a partition day).  Probes that got no answer are not rows; they
-- are the NULLs of traces.path.

CREATE TABLE pingsvc.hops (
    trace_id    bigint      NOT NULL,
    ts          timestamptz NOT NULL,
    ttl         smallint    NOT NULL CHECK (ttl BETWEEN 1 AND 255),
    probe       smallint    NOT NULL CHECK (probe BETWEEN 0 AND 63),
    address     inet        NOT NULL
                            CONSTRAINT hops_address_host
                            CHECK (pingsvc.is_host_address(address)),
    rtt_ms      double precision CHECK (rtt_ms >= 0 AND rtt_ms < 60000),
    reply_ttl   smallint    CHECK (reply_ttl BETWEEN 0 AND 255),
    size        integer     CHECK (size BETWEEN 0 AND 65535),
    mpls        jsonb       CHECK (jsonb_typeof(mpls) = 'array'),
    icmp_type   smallint    CHECK (icmp_type BETWEEN 0 AND 255),
    icmp_code   smallint    CHECK (icmp_code BETWEEN 0 AND 255),
    location    public.geography(Point, 4326),
    PRIMARY KEY (trace_id, ttl, probe, ts)
) PARTITION BY RANGE (ts);

CREATE INDEX hops_address_idx ON pingsvc.hops (address);

COMMENT ON TABLE pingsvc.hops IS
    'Answered traceroute probes, one row each (RIPE Atlas result[].result[] with a "from"); partitioned by day of ts.';
COMMENT ON COLUMN pingsvc.hops.trace_id IS
    'The trace (pingsvc.traces.trace_id, same ts).';
COMMENT ON COLUMN pingsvc.hops.ts IS
    'The trace''s ts; the partition key.';
COMMENT ON COLUMN pingsvc.hops.ttl IS
    'TTL (hop number) of the probe, 1..255.';
COMMENT ON COLUMN pingsvc.hops.probe IS
    'Index of the probe within its TTL (0 = first of the usual three), counting unanswered ones.';
COMMENT ON COLUMN pingsvc.hops.address IS
    'Address that answered ("from").';
COMMENT ON COLUMN pingsvc.hops.rtt_ms IS
    'Round-trip time in milliseconds (0 <= rtt < 60000); NULL if the reply was late and not timed.';
COMMENT ON COLUMN pingsvc.hops.reply_ttl IS
    'IP TTL of the reply as received ("ttl"), which hints at the reverse path length.';
COMMENT ON COLUMN pingsvc.hops.size IS
    'Size in bytes of the reply packet ("size").';
COMMENT ON COLUMN pingsvc.hops.mpls IS
    'MPLS label stack quoted in the ICMP reply (RFC 4950), as a JSON array of {label, exp, s, ttl}; NULL if none.';
COMMENT ON COLUMN pingsvc.hops.icmp_type IS
    'ICMP type of the reply (11 time exceeded, 3 unreachable, ...), if known.';
COMMENT ON COLUMN pingsvc.hops.icmp_code IS
    'ICMP code of the reply, if known.';
COMMENT ON COLUMN pingsvc.hops.location IS
    'Estimated location of the answering address when the hop was stored, if known.';

GRANT SELECT, INSERT ON pingsvc.hops TO pingsvc_ingest;
GRANT SELECT ON pingsvc.hops TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
