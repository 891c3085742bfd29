-- pingsvc.trace_reply: one answered probe of a traceroute, as
-- trace_replies() returns it and pingsvc.hops stores it.  A plain
-- composite type.

CREATE TYPE pingsvc.trace_reply AS (
    ttl         smallint,
    probe       smallint,
    address     inet,
    rtt_ms      double precision,
    reply_ttl   smallint,
    size        integer,
    mpls        jsonb,
    icmp_type   smallint,
    icmp_code   smallint
);

COMMENT ON TYPE pingsvc.trace_reply IS
    'One answered traceroute probe: ttl, probe index, address, rtt_ms, reply_ttl, size, mpls, icmp_type, icmp_code (the columns of pingsvc.hops).';
