-- pingsvc.as_prefixes: origin AS of announced prefixes (RouteViews
-- pfx2as, iptoasn and the like), for AS-level annotation of paths and
-- route changes.  Looked up with `prefix >>= address` (GiST inet_ops), the
-- most specific prefix winning.  Loaded by sql/load/as_prefixes.psql (or any
-- INSERT ... ON CONFLICT (prefix) DO UPDATE); empty by default, in which
-- case route_changes.as_changed stays NULL.

CREATE TABLE pingsvc.as_prefixes (
    prefix      cidr        PRIMARY KEY,
    asn         bigint      NOT NULL CHECK (asn BETWEEN 0 AND 4294967295),
    source      text        NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX as_prefixes_prefix_gist ON pingsvc.as_prefixes USING gist (prefix inet_ops);

COMMENT ON TABLE pingsvc.as_prefixes IS
    'Origin AS per announced prefix (pfx2as, ip2asn); the most specific prefix containing an address gives its AS.  Empty: no AS annotation.';
COMMENT ON COLUMN pingsvc.as_prefixes.prefix IS
    'The announced prefix.';
COMMENT ON COLUMN pingsvc.as_prefixes.asn IS
    'Its origin AS number (32-bit; the first of a multi-origin set).';
COMMENT ON COLUMN pingsvc.as_prefixes.source IS
    'Data set the row comes from (e.g. routeviews-rv2-20170329).';
COMMENT ON COLUMN pingsvc.as_prefixes.loaded_at IS
    'When the row was loaded.';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.as_prefixes TO pingsvc_frontier;
