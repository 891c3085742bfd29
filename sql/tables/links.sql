-- pingsvc.links: IP-level links, pairs of addresses seen at consecutive TTLs.
--
-- Maintained by the gateway with INSERT ... ON CONFLICT DO UPDATE as traces
-- arrive; rtt_diff_* summarise rtt(far) - rtt(near) over the sightings that
-- had both RTTs.

CREATE TABLE pingsvc.links (
    near            inet        NOT NULL
                                CONSTRAINT links_near_host
                                CHECK (pingsvc.is_host_address(near)),
    far             inet        NOT NULL
                                CONSTRAINT links_far_host
                                CHECK (pingsvc.is_host_address(far)),
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    times_seen      bigint      NOT NULL DEFAULT 1 CHECK (times_seen > 0),
    rtt_diff_min_ms double precision,
    rtt_diff_max_ms double precision,
    rtt_diff_sum_ms double precision,
    rtt_diff_count  bigint      NOT NULL DEFAULT 0 CHECK (rtt_diff_count >= 0),
    rtt_diff_avg_ms double precision
                    GENERATED ALWAYS AS (rtt_diff_sum_ms / nullif(rtt_diff_count, 0)) STORED,
    last_trace_id   bigint,
    PRIMARY KEY (near, far),
    CONSTRAINT links_distinct CHECK (near <> far),
    CONSTRAINT links_same_family CHECK (family(near) = family(far)),
    CONSTRAINT links_seen_order CHECK (last_seen >= first_seen),
    CONSTRAINT links_rtt_stats
        CHECK (rtt_diff_count <= times_seen
               AND (rtt_diff_count = 0) = (rtt_diff_sum_ms IS NULL)
               AND (rtt_diff_count = 0) = (rtt_diff_min_ms IS NULL)
               AND (rtt_diff_count = 0) = (rtt_diff_max_ms IS NULL)
               AND rtt_diff_min_ms <= rtt_diff_max_ms)
);

CREATE INDEX links_far_idx ON pingsvc.links (far);
CREATE INDEX links_last_seen_idx ON pingsvc.links (last_seen);

COMMENT ON TABLE pingsvc.links IS
    'IP links: address near answered at TTL n and far at TTL n+1 of the same trace; with when and how often.';
COMMENT ON COLUMN pingsvc.links.near IS
    'Address at the lower TTL.';
COMMENT ON COLUMN pingsvc.links.far IS
    'Address at the next TTL (never equal to near).';
COMMENT ON COLUMN pingsvc.links.first_seen IS
    'ts of the first trace that showed the link.';
COMMENT ON COLUMN pingsvc.links.last_seen IS
    'ts of the latest trace that showed the link.';
COMMENT ON COLUMN pingsvc.links.times_seen IS
    'Number of traces that showed the link.';
COMMENT ON COLUMN pingsvc.links.rtt_diff_min_ms IS
    'Smallest rtt(far) - rtt(near) seen, in ms (may be negative); NULL until rtt_diff_count > 0.';
COMMENT ON COLUMN pingsvc.links.rtt_diff_max_ms IS
    'Largest rtt(far) - rtt(near) seen, in ms.';
COMMENT ON COLUMN pingsvc.links.rtt_diff_sum_ms IS
    'Sum of rtt(far) - rtt(near) over rtt_diff_count sightings, in ms.';
COMMENT ON COLUMN pingsvc.links.rtt_diff_count IS
    'Sightings that contributed to the rtt_diff statistics (both RTTs known).';
COMMENT ON COLUMN pingsvc.links.rtt_diff_avg_ms IS
    'Mean rtt(far) - rtt(near) in ms (computed: sum / count).';
COMMENT ON COLUMN pingsvc.links.last_trace_id IS
    'trace_id of the latest trace that showed the link.';

GRANT SELECT, INSERT, UPDATE ON pingsvc.links TO pingsvc_ingest;
GRANT SELECT ON pingsvc.links TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
