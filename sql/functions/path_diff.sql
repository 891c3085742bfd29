-- pingsvc.path_diff: the columns of a route change between two paths that
-- do not match (ROUTE-CHANGES.md rule 5):
--   diverge_ttl  the first TTL holding two different addresses, or the TTL
--                where one path reached the destination and the other did
--                not reach it there (whichever comes first);
--   rejoin_ttl   scanning the NEW path from diverge_ttl on, the TTL of the
--                first address that the old path also holds at or after
--                diverge_ttl; NULL if none (a removed hop therefore rejoins
--                at diverge_ttl itself);
--   kind         reachability (reached on one side only), length (both
--                reached, at different TTLs), else hop;
--   changed_hops the new path's addresses from diverge_ttl up to (not
--                including) rejoin_ttl, or to its end, that the old path
--                lacks anywhere.
-- Pure function: safe anywhere.

CREATE FUNCTION pingsvc.path_diff(
    p_old               inet[],
    p_old_reached_ttl   smallint,
    p_new               inet[],
    p_new_reached_ttl   smallint,
    OUT diverge_ttl     smallint,
    OUT rejoin_ttl      smallint,
    OUT kind            text,
    OUT changed_hops    inet[])
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH d AS (
        SELECT least((SELECT min(g.i)
                        FROM generate_series(1, least(cardinality(p_old), cardinality(p_new))) AS g(i)
                       WHERE p_old[g.i] <> p_new[g.i]),
                     CASE WHEN p_old_reached_ttl IS DISTINCT FROM p_new_reached_ttl
                          THEN least(p_old_reached_ttl, p_new_reached_ttl) END)::smallint AS ttl
    ), r AS (
        SELECT d.ttl AS dttl,
               (SELECT min(g.j)
                  FROM generate_series(d.ttl, cardinality(p_new)) AS g(j)
                 WHERE p_new[g.j] = ANY (array_remove(p_old[d.ttl:], NULL)))::smallint AS rttl
          FROM d
    )
    SELECT r.dttl,
           r.rttl,
           CASE WHEN (p_old_reached_ttl IS NULL) <> (p_new_reached_ttl IS NULL) THEN 'reachability'
                WHEN p_old_reached_ttl <> p_new_reached_ttl THEN 'length'
                ELSE 'hop' END,
           (SELECT array_agg(DISTINCT p_new[g.j])
              FROM generate_series(r.dttl, coalesce(r.rttl - 1, cardinality(p_new))) AS g(j)
             WHERE p_new[g.j] IS NOT NULL
               AND NOT p_new[g.j] = ANY (array_remove(p_old, NULL)))
      FROM r;
END;

COMMENT ON FUNCTION pingsvc.path_diff(inet[], smallint, inet[], smallint) IS
    'diverge_ttl, rejoin_ttl (counted on the new path), kind (hop, length, reachability) and changed_hops between an old and a new path with their reached TTLs, as ROUTE-CHANGES.md defines them.';
