-- pingsvc.link_latency: per IP link, the RTT jump between its two ends
-- (rtt(far) - rtt(near), from pingsvc.links) and what it suggests about
-- distance.  The minimum jump bounds the propagation delay: light in fibre
-- covers about 100 km per millisecond of round trip, so min_jump_ms * 100
-- is an upper bound of the link's length in km when positive (return paths
-- may differ, so treat it as a hint).  Reads pingsvc.links only.

CREATE VIEW pingsvc.link_latency AS
SELECT l.near, l.far, l.times_seen, l.first_seen, l.last_seen,
       l.rtt_diff_count                         AS samples,
       l.rtt_diff_min_ms                        AS min_jump_ms,
       l.rtt_diff_avg_ms                        AS avg_jump_ms,
       l.rtt_diff_max_ms                        AS max_jump_ms,
       l.rtt_diff_max_ms - l.rtt_diff_min_ms    AS jump_spread_ms,
       CASE WHEN l.rtt_diff_min_ms > 0 THEN l.rtt_diff_min_ms * 100 END AS max_km
  FROM pingsvc.links l;

COMMENT ON VIEW pingsvc.link_latency IS
    'RTT jump across each IP link (rtt(far) - rtt(near)) with min/avg/max, spread and a distance bound (min jump x 100 km/ms).';
COMMENT ON COLUMN pingsvc.link_latency.near IS 'Address at the lower TTL.';
COMMENT ON COLUMN pingsvc.link_latency.far IS 'Address at the next TTL.';
COMMENT ON COLUMN pingsvc.link_latency.times_seen IS 'Traces that showed the link.';
COMMENT ON COLUMN pingsvc.link_latency.first_seen IS 'ts of the first trace that showed it.';
COMMENT ON COLUMN pingsvc.link_latency.last_seen IS 'ts of the latest trace that showed it.';
COMMENT ON COLUMN pingsvc.link_latency.samples IS 'Sightings with both RTTs known (the statistics below).';
COMMENT ON COLUMN pingsvc.link_latency.min_jump_ms IS 'Smallest RTT jump, ms (may be negative: ICMP generation is slow on some routers).';
COMMENT ON COLUMN pingsvc.link_latency.avg_jump_ms IS 'Mean RTT jump, ms.';
COMMENT ON COLUMN pingsvc.link_latency.max_jump_ms IS 'Largest RTT jump, ms.';
COMMENT ON COLUMN pingsvc.link_latency.jump_spread_ms IS 'max - min jump, ms: large values hint at queueing or asymmetric return paths.';
COMMENT ON COLUMN pingsvc.link_latency.max_km IS 'Upper bound of the link length in km from the minimum jump (100 km per ms of RTT); NULL when the jump is not positive.';
