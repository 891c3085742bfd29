-- pingsvc.score_targets: recompute every recently pinged target's
-- reliability and state from the ping results of the last p_window.
--
-- Per (target, protocol) the score is a decayed success ratio,
--   sum(w * rcvd) / sum(w * sent),  w = 0.5 ^ (age / p_half_life),
-- of results with type 'ping' (body->>'sent', body->>'rcvd', RIPE Atlas
-- field names; protocol from body->>'proto', ICMP when absent).  The
-- target's reliability is its best protocol's score; its state:
--   responsive  reliability >= 0.8               cooldown 1 hour
--   flaky       otherwise, unless dead           cooldown 4 hours
--   dead        reliability < 0.05 and >= 6 probes sent in the window
--                                                cooldown 7 days
-- Targets without results in the window keep state and score (a dead
-- target is retried after its long cooldown, never forgotten); opted_out
-- targets are never touched.  On a change of state next_due moves to at
-- least last_probed + the new cooldown.  Returns the targets changed.
--
-- Concurrency: two set-based statements; row locks on the target_scores
-- and targets rows it changes, held to commit.  Concurrent hop inserts by
-- the gateway are unaffected; two concurrent calls serialise on those row
-- locks and the later one wins with equal results.

CREATE FUNCTION pingsvc.score_targets(
    p_window    interval DEFAULT '7 days',
    p_half_life interval DEFAULT '1 day')
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $score$
DECLARE
    v_changed integer;
BEGIN
    INSERT INTO pingsvc.target_scores AS s
           (address, proto, reliability, sent, rcvd, scored_at)
    SELECT r.target, r.proto,
           least(1, greatest(0, sum(r.w * r.rcvd) / nullif(sum(r.w * r.sent), 0))),
           sum(r.sent), sum(r.rcvd), now()
      FROM (SELECT res.target,
                   lower(coalesce(res.body->>'proto', 'icmp')) AS proto,
                   (res.body->>'sent')::int AS sent,
                   least((res.body->>'rcvd')::int, (res.body->>'sent')::int) AS rcvd,
                   power(0.5, greatest(0, extract(epoch FROM now() - res.ts))
                              / extract(epoch FROM p_half_life)) AS w
              FROM pingsvc.results res
             WHERE res.type = 'ping'
               AND res.ts >= now() - p_window
               AND jsonb_typeof(res.body->'sent') = 'number'
               AND jsonb_typeof(res.body->'rcvd') = 'number'
               AND (res.body->>'sent')::numeric BETWEEN 1 AND 1000000
               AND (res.body->>'rcvd')::numeric BETWEEN 0 AND 1000000
               AND lower(coalesce(res.body->>'proto', 'icmp')) IN ('icmp', 'tcp', 'udp')) r
     GROUP BY r.target, r.proto
    HAVING sum(r.w * r.sent) > 0
    ON CONFLICT (address, proto) DO UPDATE
       SET reliability = excluded.reliability, sent = excluded.sent,
           rcvd = excluded.rcvd, scored_at = excluded.scored_at;

    WITH best AS (
        SELECT s.address, max(s.reliability) AS reliability, sum(s.sent) AS sent
          FROM pingsvc.target_scores s
         WHERE s.scored_at >= now() - p_window
         GROUP BY s.address),
    judged AS (
        SELECT b.address, b.reliability,
               CASE WHEN b.reliability >= 0.8 THEN 'responsive'
                    WHEN b.reliability < 0.05 AND b.sent >= 6 THEN 'dead'
                    ELSE 'flaky' END AS state
          FROM best b)
    UPDATE pingsvc.targets t
       SET reliability = j.reliability,
           state = j.state,
           cooldown = CASE j.state WHEN 'responsive' THEN interval '1 hour'
                                   WHEN 'flaky' THEN interval '4 hours'
                                   ELSE interval '7 days' END,
           next_due = CASE WHEN t.state = j.state THEN t.next_due
                           ELSE greatest(t.next_due,
                                         coalesce(t.last_probed, now())
                                         + CASE j.state
                                             WHEN 'responsive' THEN interval '1 hour'
                                             WHEN 'flaky' THEN interval '4 hours'
                                             ELSE interval '7 days' END) END
      FROM judged j
     WHERE t.address = j.address
       AND t.state <> 'opted_out'
       AND (t.state IS DISTINCT FROM j.state
            OR abs(t.reliability - j.reliability) > 0.001);
    GET DIAGNOSTICS v_changed = ROW_COUNT;
    RETURN v_changed;
END
$score$;

COMMENT ON FUNCTION pingsvc.score_targets(interval, interval) IS
    'Recompute target reliability (decayed ping success ratio per protocol, best protocol wins) and state (responsive >= 0.8, dead < 0.05 with >= 6 probes, else flaky) from the pings of the window; cooldowns 1 h / 4 h / 7 days.  Returns the number of targets changed.';

REVOKE ALL ON FUNCTION pingsvc.score_targets(interval, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.score_targets(interval, interval) TO pingsvc_frontier;
