-- pingsvc.geolocations: where address prefixes are, for hops and targets.
-- Loaded from geofeeds and databases by the frontier; looked up with
-- `prefix >>= address` (GiST index).

CREATE TABLE pingsvc.geolocations (
    prefix      cidr        PRIMARY KEY,
    location    public.geography(Point, 4326) NOT NULL,
    radius_km   real        CHECK (radius_km >= 0 AND radius_km <= 20100),
    country     char(2)     CHECK (country ~ '^[A-Z]{2}$'),
    source      text        NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX geolocations_prefix_gist ON pingsvc.geolocations USING gist (prefix inet_ops);

COMMENT ON TABLE pingsvc.geolocations IS
    'Locations of address prefixes (geofeeds, geo databases); the most specific prefix containing an address wins.';
COMMENT ON COLUMN pingsvc.geolocations.prefix IS
    'Address prefix the location applies to.';
COMMENT ON COLUMN pingsvc.geolocations.location IS
    'Estimated position (WGS 84 point).';
COMMENT ON COLUMN pingsvc.geolocations.radius_km IS
    'Uncertainty radius around location, in km; NULL if unknown.';
COMMENT ON COLUMN pingsvc.geolocations.country IS
    'ISO 3166-1 alpha-2 country code, upper case.';
COMMENT ON COLUMN pingsvc.geolocations.source IS
    'Where the location comes from (feed or database name).';
COMMENT ON COLUMN pingsvc.geolocations.updated_at IS
    'When the row was last loaded or changed.';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.geolocations TO pingsvc_frontier;
GRANT SELECT ON pingsvc.geolocations TO pingsvc_ingest, pingsvc_viewer, pingsvc_analyst;
