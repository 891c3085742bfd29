-- pingsvc.link_rtt_daily: the RTT jump of each IP link per UTC day, the
-- time series behind pingsvc.links' all-time statistics (latency trends,
-- congestion at certain hours shows as a wider spread on those days).
-- Maintained by process_results() with INSERT ... ON CONFLICT DO UPDATE,
-- locked in (near, far, day) order after pingsvc.links.

CREATE TABLE pingsvc.link_rtt_daily (
    near            inet        NOT NULL,
    far             inet        NOT NULL,
    day             date        NOT NULL,
    times_seen      bigint      NOT NULL CHECK (times_seen > 0),
    rtt_diff_min_ms double precision,
    rtt_diff_max_ms double precision,
    rtt_diff_sum_ms double precision,
    rtt_diff_count  bigint      NOT NULL DEFAULT 0 CHECK (rtt_diff_count >= 0),
    rtt_diff_avg_ms double precision
                    GENERATED ALWAYS AS (rtt_diff_sum_ms / nullif(rtt_diff_count, 0)) STORED,
    PRIMARY KEY (near, far, day),
    CONSTRAINT link_rtt_daily_stats
        CHECK (rtt_diff_count <= times_seen
               AND (rtt_diff_count = 0) = (rtt_diff_sum_ms IS NULL)
               AND (rtt_diff_count = 0) = (rtt_diff_min_ms IS NULL)
               AND (rtt_diff_count = 0) = (rtt_diff_max_ms IS NULL))
);

CREATE INDEX link_rtt_daily_day_idx ON pingsvc.link_rtt_daily (day);

COMMENT ON TABLE pingsvc.link_rtt_daily IS
    'RTT jump (rtt(far) - rtt(near)) of each IP link per UTC day of the traces that showed it; pingsvc.links has the all-time figures.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.near IS 'Address at the lower TTL.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.far IS 'Address at the next TTL.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.day IS 'UTC day of the traces'' ts.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.times_seen IS 'Traces of that day that showed the link.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.rtt_diff_min_ms IS 'Smallest RTT jump that day, ms; NULL until rtt_diff_count > 0.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.rtt_diff_max_ms IS 'Largest RTT jump that day, ms.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.rtt_diff_sum_ms IS 'Sum of the RTT jumps that day, ms.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.rtt_diff_count IS 'Sightings that day with both RTTs known.';
COMMENT ON COLUMN pingsvc.link_rtt_daily.rtt_diff_avg_ms IS 'Mean RTT jump that day, ms (computed).';

GRANT SELECT, INSERT, UPDATE ON pingsvc.link_rtt_daily TO pingsvc_ingest;
