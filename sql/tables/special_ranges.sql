-- pingsvc.special_ranges: address ranges that are never probed unless
-- pingsvc.allowed_ranges permits them: the IANA IPv4 and IPv6
-- special-purpose address registries (rows written out below from
-- iana-ipv{4,6}-special-registry-1.csv), multicast, the IPv6 space outside
-- 2000::/3, and any bogon list an operator loads (kind 'bogon').
--
-- The most specific range containing an address decides (192.0.0.9/32 is
-- globally reachable inside the non-reachable 192.0.0.0/24); an address is
-- refused when that range is not globally_reachable.  Updatable: reload a
-- registry with INSERT ... ON CONFLICT (prefix) DO UPDATE (see sql/README.md).

CREATE TABLE pingsvc.special_ranges (
    prefix              cidr        PRIMARY KEY,
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                text        NOT NULL
                                    CHECK (kind IN ('private', 'shared', 'loopback', 'link_local',
                                                    'multicast', 'broadcast', 'reserved',
                                                    'documentation', 'benchmarking', 'protocol',
                                                    'deprecated', 'unallocated', 'bogon')),
    rfc                 text        CHECK (length(rfc) <= 200),
    globally_reachable  boolean     NOT NULL DEFAULT false,
    source              text        NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX special_ranges_prefix_gist ON pingsvc.special_ranges USING gist (prefix inet_ops);

COMMENT ON TABLE pingsvc.special_ranges IS
    'Special-purpose and bogon ranges (IANA registries, multicast, unallocated, bogon lists); the most specific range containing an address decides whether it may be a target (globally_reachable).';
COMMENT ON COLUMN pingsvc.special_ranges.prefix IS
    'The range.';
COMMENT ON COLUMN pingsvc.special_ranges.name IS
    'Its name in the registry (e.g. ''Private-Use'', ''Documentation (TEST-NET-1)'').';
COMMENT ON COLUMN pingsvc.special_ranges.kind IS
    'Class of range: private, shared, loopback, link_local, multicast, broadcast, reserved, documentation, benchmarking, protocol, deprecated, unallocated, bogon.';
COMMENT ON COLUMN pingsvc.special_ranges.rfc IS
    'Defining document(s), as the registry cites them.';
COMMENT ON COLUMN pingsvc.special_ranges.globally_reachable IS
    'The registry''s "Globally Reachable" (True only; False, N/A and blank count as false).  False: addresses whose most specific range this is are never targets unless allowed_ranges permits them.';
COMMENT ON COLUMN pingsvc.special_ranges.source IS
    'Where the row comes from: iana-ipv4-special-registry, iana-ipv6-special-registry, local (multicast, unallocated), or a bogon list name.';
COMMENT ON COLUMN pingsvc.special_ranges.updated_at IS
    'When the row was loaded or last changed.';

INSERT INTO pingsvc.special_ranges (prefix, name, kind, rfc, globally_reachable, source)
VALUES
    ('0.0.0.0/8', 'This network', 'reserved', '[RFC791], Section 3.2', false, 'iana-ipv4-special-registry'),
    ('0.0.0.0/32', 'This host on this network', 'reserved', '[RFC1122], Section 3.2.1.3', false, 'iana-ipv4-special-registry'),
    ('10.0.0.0/8', 'Private-Use', 'private', '[RFC1918]', false, 'iana-ipv4-special-registry'),
    ('100.64.0.0/10', 'Shared Address Space', 'shared', '[RFC6598]', false, 'iana-ipv4-special-registry'),
    ('127.0.0.0/8', 'Loopback', 'loopback', '[RFC1122], Section 3.2.1.3', false, 'iana-ipv4-special-registry'),
    ('169.254.0.0/16', 'Link Local', 'link_local', '[RFC3927]', false, 'iana-ipv4-special-registry'),
    ('172.16.0.0/12', 'Private-Use', 'private', '[RFC1918]', false, 'iana-ipv4-special-registry'),
    ('192.0.0.0/24', 'IETF Protocol Assignments', 'protocol', '[RFC6890], Section 2.1', false, 'iana-ipv4-special-registry'),
    ('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'protocol', '[RFC7335]', false, 'iana-ipv4-special-registry'),
    ('192.0.0.8/32', 'IPv4 dummy address', 'protocol', '[RFC7600]', false, 'iana-ipv4-special-registry'),
    ('192.0.0.9/32', 'Port Control Protocol Anycast', 'protocol', '[RFC7723]', true, 'iana-ipv4-special-registry'),
    ('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'protocol', '[RFC8155]', true, 'iana-ipv4-special-registry'),
    ('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'protocol', '[RFC8880][RFC7050], Section 2.2', false, 'iana-ipv4-special-registry'),
    ('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'protocol', '[RFC8880][RFC7050], Section 2.2', false, 'iana-ipv4-special-registry'),
    ('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'documentation', '[RFC5737]', false, 'iana-ipv4-special-registry'),
    ('192.31.196.0/24', 'AS112-v4', 'protocol', '[RFC7535]', true, 'iana-ipv4-special-registry'),
    ('192.52.193.0/24', 'AMT', 'protocol', '[RFC7450]', true, 'iana-ipv4-special-registry'),
    ('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'deprecated', '[RFC7526]', false, 'iana-ipv4-special-registry'),
    ('192.88.99.2/32', '6a44-relay anycast address', 'protocol', '[RFC6751]', false, 'iana-ipv4-special-registry'),
    ('192.168.0.0/16', 'Private-Use', 'private', '[RFC1918]', false, 'iana-ipv4-special-registry'),
    ('192.175.48.0/24', 'Direct Delegation AS112 Service', 'protocol', '[RFC7534]', true, 'iana-ipv4-special-registry'),
    ('198.18.0.0/15', 'Benchmarking', 'benchmarking', '[RFC2544]', false, 'iana-ipv4-special-registry'),
    ('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'documentation', '[RFC5737]', false, 'iana-ipv4-special-registry'),
    ('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'documentation', '[RFC5737]', false, 'iana-ipv4-special-registry'),
    ('240.0.0.0/4', 'Reserved', 'reserved', '[RFC1112], Section 4', false, 'iana-ipv4-special-registry'),
    ('255.255.255.255/32', 'Limited Broadcast', 'broadcast', '[RFC8190] [RFC919], Section 7', false, 'iana-ipv4-special-registry'),
    ('::1/128', 'Loopback Address', 'loopback', '[RFC4291]', false, 'iana-ipv6-special-registry'),
    ('::/128', 'Unspecified Address', 'reserved', '[RFC4291]', false, 'iana-ipv6-special-registry'),
    ('::ffff:0:0/96', 'IPv4-mapped Address', 'protocol', '[RFC4291]', false, 'iana-ipv6-special-registry'),
    ('64:ff9b::/96', 'IPv4-IPv6 Translat.', 'protocol', '[RFC6052]', true, 'iana-ipv6-special-registry'),
    ('64:ff9b:1::/48', 'IPv4-IPv6 Translat.', 'protocol', '[RFC8215]', false, 'iana-ipv6-special-registry'),
    ('100::/64', 'Discard-Only Address Block', 'protocol', '[RFC6666]', false, 'iana-ipv6-special-registry'),
    ('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'protocol', '[RFC9780]', false, 'iana-ipv6-special-registry'),
    ('2001::/23', 'IETF Protocol Assignments', 'protocol', '[RFC2928]', false, 'iana-ipv6-special-registry'),
    ('2001::/32', 'TEREDO', 'protocol', '[RFC4380] [RFC8190]', false, 'iana-ipv6-special-registry'),
    ('2001:1::1/128', 'Port Control Protocol Anycast', 'protocol', '[RFC7723]', true, 'iana-ipv6-special-registry'),
    ('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'protocol', '[RFC8155]', true, 'iana-ipv6-special-registry'),
    ('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'protocol', '[RFC9665]', true, 'iana-ipv6-special-registry'),
    ('2001:2::/48', 'Benchmarking', 'benchmarking', '[RFC5180][RFC Errata 1752]', false, 'iana-ipv6-special-registry'),
    ('2001:3::/32', 'AMT', 'protocol', '[RFC7450]', true, 'iana-ipv6-special-registry'),
    ('2001:4:112::/48', 'AS112-v6', 'protocol', '[RFC7535]', true, 'iana-ipv6-special-registry'),
    ('2001:10::/28', 'Deprecated (previously ORCHID)', 'deprecated', '[RFC4843]', false, 'iana-ipv6-special-registry'),
    ('2001:20::/28', 'ORCHIDv2', 'protocol', '[RFC7343]', true, 'iana-ipv6-special-registry'),
    ('2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'protocol', '[RFC9374]', true, 'iana-ipv6-special-registry'),
    ('2001:db8::/32', 'Documentation', 'documentation', '[RFC3849]', false, 'iana-ipv6-special-registry'),
    ('2002::/16', '6to4', 'protocol', '[RFC3056]', false, 'iana-ipv6-special-registry'),
    ('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'protocol', '[RFC7534]', true, 'iana-ipv6-special-registry'),
    ('3fff::/20', 'Documentation', 'documentation', '[RFC9637]', false, 'iana-ipv6-special-registry'),
    ('5f00::/16', 'Segment Routing (SRv6) SIDs', 'protocol', '[RFC9602]', false, 'iana-ipv6-special-registry'),
    ('fc00::/7', 'Unique-Local', 'private', '[RFC4193] [RFC8190]', false, 'iana-ipv6-special-registry'),
    ('fe80::/10', 'Link-Local Unicast', 'link_local', '[RFC4291]', false, 'iana-ipv6-special-registry'),
    ('224.0.0.0/4', 'Multicast', 'multicast', '[RFC5771]', false, 'local'),
    ('ff00::/8', 'Multicast', 'multicast', '[RFC4291]', false, 'local'),
    ('::/3', 'Outside IPv6 global unicast 2000::/3', 'unallocated', '[RFC4291]', false, 'local'),
    ('4000::/2', 'Outside IPv6 global unicast 2000::/3', 'unallocated', '[RFC4291]', false, 'local'),
    ('8000::/1', 'Outside IPv6 global unicast 2000::/3', 'unallocated', '[RFC4291]', false, 'local');

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.special_ranges TO pingsvc_frontier;
