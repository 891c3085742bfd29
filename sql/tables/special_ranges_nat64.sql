-- pingsvc.special_ranges: 64:ff9b::/96 (the NAT64 well-known prefix, RFC
-- 6052) is refused as a target, as lib/addr.c and
-- pingsvc.frontier_special_purpose() refuse it.  The IANA registry calls it
-- globally reachable, and 0002 copied that; but an address in it is an IPv4
-- address in disguise (64:ff9b::a00:1 is 10.0.0.1 behind whichever NAT64
-- translator is nearest), so probing it would reach private IPv4 space past
-- every IPv4 rule, and which host answers depends on the prober's network.
-- Hop feedback (is_probe_allowed) and the scheduler now agree on it.

UPDATE pingsvc.special_ranges
   SET globally_reachable = false,
       name = 'IPv4-IPv6 Translat. (refused: an IPv4 address behind a local translator)',
       source = 'local',
       updated_at = now()
 WHERE prefix = '64:ff9b::/96';

COMMENT ON COLUMN pingsvc.special_ranges.globally_reachable IS
    'The registry''s "Globally Reachable" (True only; False, N/A and blank count as false), except 64:ff9b::/96 (NAT64, true in the registry) which is false here as in lib/addr.c.  False: addresses whose most specific range this is are never targets unless allowed_ranges permits them.';
COMMENT ON COLUMN pingsvc.special_ranges.source IS
    'Where the row comes from: iana-ipv4-special-registry, iana-ipv6-special-registry, local (multicast, unallocated, the NAT64 override), or the bogon list name given to load_bogons() (kind bogon).';
