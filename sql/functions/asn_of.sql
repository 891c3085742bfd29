-- pingsvc.asn_of: origin AS of p_address from pingsvc.as_prefixes (the
-- most specific prefix containing it), NULL if unknown.
--
-- Concurrency: a plain read (STABLE) through the GiST index; no locks
-- beyond ACCESS SHARE.

CREATE FUNCTION pingsvc.asn_of(p_address inet)
RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT a.asn
      FROM pingsvc.as_prefixes a
     WHERE a.prefix >>= p_address
     ORDER BY masklen(a.prefix) DESC
     LIMIT 1;
END;

COMMENT ON FUNCTION pingsvc.asn_of(inet) IS
    'Origin AS of an address (most specific prefix in as_prefixes), NULL if unknown.';
