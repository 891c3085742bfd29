-- pingsvc.as_path: the AS-level path of an IP path: the origin AS of each
-- answering hop (asn_of), hops of unknown AS and `*`s skipped, consecutive
-- repeats collapsed.  NULL when no hop has a known AS.
--
-- Concurrency: a plain read (STABLE) of as_prefixes; no locks beyond
-- ACCESS SHARE.

CREATE FUNCTION pingsvc.as_path(p_path inet[])
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT array_agg(a.asn ORDER BY a.i)
      FROM (SELECT h.i, h.asn, lag(h.asn) OVER (ORDER BY h.i) AS prev
              FROM (SELECT u.i, pingsvc.asn_of(u.address) AS asn
                      FROM unnest(p_path) WITH ORDINALITY AS u(address, i)
                     WHERE u.address IS NOT NULL) AS h
             WHERE h.asn IS NOT NULL) AS a
     WHERE a.prev IS DISTINCT FROM a.asn;
END;

COMMENT ON FUNCTION pingsvc.as_path(inet[]) IS
    'AS-level path of an IP path: origin AS per answering hop (unknown ones and * skipped), consecutive repeats collapsed; NULL if none known.';
