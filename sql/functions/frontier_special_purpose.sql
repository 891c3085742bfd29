-- pingsvc.frontier_special_purpose: is p_address in a special-purpose
-- range that must not be probed (private, shared, loopback, link-local,
-- multicast, documentation, benchmarking, reserved, IPv6 outside 2000::/3,
-- Teredo, 6to4, NAT64)?  The same table as lib/addr.c (IANA IPv4 and IPv6
-- special-purpose registries, RFC 6890 and updates): the most specific
-- range decides, so 192.0.0.9/32 inside the reserved 192.0.0.0/24 is public
-- (2001::/23 holds 2001:2::/48 and 2001:10::/28; everything
-- outside 2000::/3 is special).
-- Callers apply allow lists themselves (p_allow of schedule_cycle).
--
-- Concurrency: IMMUTABLE, reads no table; safe anywhere.

CREATE FUNCTION pingsvc.frontier_special_purpose(p_address inet)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $special$
    -- One expression (no table, no sort, not STRICT: CASE is not), so the
    -- planner inlines it into
    -- the scheduler's scan of every due target.
    SELECT CASE family(p_address)
        WHEN 4 THEN
            p_address <<= ANY ('{0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,
                                 169.254.0.0/16,172.16.0.0/12,192.0.0.0/24,
                                 192.0.2.0/24,192.88.99.0/24,192.168.0.0/16,
                                 198.18.0.0/15,198.51.100.0/24,203.0.113.0/24,
                                 224.0.0.0/4,240.0.0.0/4}'::cidr[])
            AND p_address NOT IN ('192.0.0.9', '192.0.0.10')
        ELSE
            (NOT p_address <<= '2000::/3'
             OR p_address <<= ANY ('{2001::/23,2001:db8::/32,2002::/16,3fff::/20}'::cidr[]))
            AND NOT p_address <<= ANY ('{2001:1::1/128,2001:1::2/128,2001:1::3/128,
                                        2001:3::/32,2001:4:112::/48,
                                        2001:20::/28,2001:30::/28}'::cidr[])
        END
$special$;

COMMENT ON FUNCTION pingsvc.frontier_special_purpose(inet) IS
    'True when the address lies in a special-purpose range that is not globally reachable (the table of lib/addr.c; the most specific range decides).  The frontier never makes jobs for such addresses unless an allow list covers them.';
