-- pingsvc.trace_replies: the answered probes of one RIPE-Atlas-format
-- traceroute body, one row each, as pingsvc.hops stores them.  p_target
-- only fixes the address family (replies from the other family are left
-- out).  probe counts every probe at its TTL, timeouts included, across the
-- hop entries of that TTL; "dup" replies are left out before counting;
-- rtt_ms is NULL for late replies without rtt; icmp_type/code 3/N come
-- from Atlas "err" (N 0, H 1, P 2, p 3, A 13, or the number given).
-- Called per result by process_results(), so a batch costs linear time.
-- Pure function of its arguments: safe anywhere.

CREATE FUNCTION pingsvc.trace_replies(p_body jsonb, p_target inet)
RETURNS SETOF pingsvc.trace_reply
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT q.ttl::smallint, q.probe::smallint, q.address,
           CASE WHEN jsonb_typeof(q.x -> 'rtt') = 'number'
                     AND (q.x ->> 'rtt')::double precision >= 0
                     AND (q.x ->> 'rtt')::double precision < 60000
                THEN (q.x ->> 'rtt')::double precision END,
           CASE WHEN jsonb_typeof(q.x -> 'ttl') = 'number'
                     AND (q.x ->> 'ttl')::numeric BETWEEN 0 AND 255
                THEN (q.x ->> 'ttl')::numeric::smallint END,
           CASE WHEN jsonb_typeof(q.x -> 'size') = 'number'
                     AND (q.x ->> 'size')::numeric BETWEEN 0 AND 65535
                THEN (q.x ->> 'size')::numeric::integer END,
           nullif(jsonb_path_query_array(q.x, '$.icmpext.obj[*].mpls[*]'), '[]'::jsonb),
           CASE WHEN q.x ? 'err' THEN 3 END::smallint,
           CASE WHEN jsonb_typeof(q.x -> 'err') = 'number'
                     AND (q.x ->> 'err')::numeric BETWEEN 0 AND 255
                THEN (q.x ->> 'err')::numeric::smallint
                ELSE CASE q.x ->> 'err'
                         WHEN 'N' THEN 0 WHEN 'H' THEN 1 WHEN 'P' THEN 2
                         WHEN 'p' THEN 3 WHEN 'A' THEN 13 END END::smallint
      FROM (SELECT (e.h ->> 'hop')::integer AS ttl,
                   row_number() OVER (PARTITION BY (e.h ->> 'hop')::integer ORDER BY e.ord, p.ord) - 1 AS probe,
                   p.x,
                   CASE WHEN jsonb_typeof(p.x -> 'from') = 'string'
                        THEN pingsvc.host_inet(p.x ->> 'from') END AS address
              FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p_body -> 'result') = 'array'
                                             THEN p_body -> 'result' ELSE '[]' END)
                   WITH ORDINALITY AS e(h, ord)
              CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(e.h -> 'result') = 'array'
                                                           THEN e.h -> 'result' ELSE '[]' END)
                   WITH ORDINALITY AS p(x, ord)
             WHERE jsonb_typeof(e.h) = 'object'
               AND (e.h ->> 'hop') ~ '^[0-9]{1,3}$'
               AND (e.h ->> 'hop')::integer BETWEEN 1 AND 255
               AND jsonb_typeof(p.x) = 'object'
               AND p.x -> 'dup' IS DISTINCT FROM 'true'::jsonb) AS q
     WHERE q.address IS NOT NULL
       AND family(q.address) = family(p_target)
       AND q.probe <= 63
     ORDER BY q.ttl, q.probe;
END;

COMMENT ON FUNCTION pingsvc.trace_replies(jsonb, inet) IS
    'The answered probes of one RIPE-Atlas-format traceroute (ttl, probe index counting timeouts, address, rtt_ms, reply_ttl, size, mpls, icmp_type/code from "err"); replies of another family than the target, "dup" replies and invalid addresses left out.';
