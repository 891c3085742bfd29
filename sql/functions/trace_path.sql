-- pingsvc.trace_path: the path of one RIPE-Atlas-format traceroute body
-- towards p_target: path[i] = the address that answered most often at TTL
-- i (ties: the one that answered first), NULL where none did; from TTL 1 to
-- the highest hop number of the result, except that Atlas's closing
-- all-timeout "hop 255" after a gap is dropped.  rtts[i] is the smallest
-- rtt of path[i]'s replies at TTL i (NULL if none timed); reached_ttl the
-- lowest TTL at which p_target answered.  No row when the body has no hop
-- entry.  p_replies are the body's replies as trace_replies() gives them
-- (process_results() parses them once for both path and hops); without
-- it they are parsed here.  Pure function.

CREATE FUNCTION pingsvc.trace_path(p_body jsonb, p_target inet,
                                   p_replies pingsvc.trace_reply[] DEFAULT NULL)
RETURNS TABLE (path inet[], rtts double precision[], reached_ttl smallint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH rep AS MATERIALIZED (
        SELECT r.ttl, r.probe, r.address, r.rtt_ms
          FROM unnest(coalesce(p_replies,
                               ARRAY(SELECT t FROM pingsvc.trace_replies(p_body, p_target) AS t))) AS r
    ), hops AS (
        SELECT DISTINCT (e.h ->> 'hop')::integer AS ttl
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p_body -> 'result') = 'array'
                                         THEN p_body -> 'result' ELSE '[]' END) AS e(h)
         WHERE jsonb_typeof(e.h) = 'object'
           AND (e.h ->> 'hop') ~ '^[0-9]{1,3}$'
           AND (e.h ->> 'hop')::integer BETWEEN 1 AND 255
    ), len AS (
        SELECT max(l.ttl) AS n
          FROM (SELECT hops.ttl, lag(hops.ttl) OVER (ORDER BY hops.ttl) AS prev_ttl,
                       EXISTS (SELECT 1 FROM rep WHERE rep.ttl = hops.ttl) AS answered
                  FROM hops) AS l
         WHERE l.answered OR l.ttl < 255 OR l.prev_ttl IS NULL OR l.prev_ttl >= 254
    ), resp AS (
        SELECT DISTINCT ON (c.ttl) c.ttl, c.address, c.rtt_ms
          FROM (SELECT rep.ttl, rep.address, count(*) AS n, min(rep.probe) AS first_probe,
                       min(rep.rtt_ms) AS rtt_ms
                  FROM rep
                 GROUP BY rep.ttl, rep.address) AS c
         ORDER BY c.ttl, c.n DESC, c.first_probe
    )
    SELECT array_agg(resp.address ORDER BY g.i),
           array_agg(resp.rtt_ms ORDER BY g.i),
           (SELECT min(rep.ttl) FROM rep WHERE rep.address = p_target)
      FROM len
      CROSS JOIN LATERAL generate_series(1, len.n) AS g(i)
      LEFT JOIN resp ON resp.ttl = g.i
     WHERE len.n IS NOT NULL
    HAVING count(*) > 0;
END;

COMMENT ON FUNCTION pingsvc.trace_path(jsonb, inet, pingsvc.trace_reply[]) IS
    'Path of one RIPE-Atlas-format traceroute: most frequent responder per TTL (ties: first to answer), NULL for *, TTL 1 to the last hop (Atlas''s closing hop 255 dropped); the minimum rtt per path hop; the TTL where the target answered.  Third argument: the replies already parsed by trace_replies(), if at hand.';
