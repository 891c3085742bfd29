-- pingsvc.geolocations, version 2 (migration 0011): how each location was
-- obtained, the geofeed's region and city, and the area of a constraint
-- estimate.  Sources:
--   geofeed         an RFC 8805 geofeed row (pingsvc-frontier import
--                   geofeed): country, region, city as published; the point
--                   is the country's ST_PointOnSurface in basemap_countries
--                   (no finer gazetteer is loaded), radius_km the radius of
--                   a disc of the country's area;
--   database        a range database with coordinates (pingsvc-frontier
--                   import dbip: DB-IP lite); ranges are stored as the CIDR
--                   prefixes that tile them, so the GiST inet_ops index
--                   serves every lookup (prefix >>= address);
--   rtt_constraint  estimate_hop_locations(): the intersection of the discs
--                   each vantage's minimum RTT allows; location = centroid,
--                   area_km2 = the intersection's area.
-- Rows written before 0011 count as 'database'.

ALTER TABLE pingsvc.geolocations
    ADD COLUMN method   text NOT NULL DEFAULT 'database'
                        CHECK (method IN ('geofeed', 'database', 'rtt_constraint')),
    ADD COLUMN region   text CHECK (length(region) BETWEEN 1 AND 200),
    ADD COLUMN city     text CHECK (length(city) BETWEEN 1 AND 200),
    ADD COLUMN area_km2 double precision CHECK (area_km2 >= 0),
    ADD COLUMN vantages integer CHECK (vantages >= 1);

CREATE INDEX geolocations_source_idx ON pingsvc.geolocations (source);

COMMENT ON TABLE pingsvc.geolocations IS
    'Locations of address prefixes: geofeeds (method geofeed), range databases such as DB-IP lite (database; ranges stored as the prefixes tiling them), and RTT-constraint estimates for hops without other data (rtt_constraint, one /32 or /128 each).  The most specific prefix containing an address wins.';
COMMENT ON COLUMN pingsvc.geolocations.method IS
    'How the location was obtained: geofeed (country point of a geofeed row), database (coordinates of a range database), rtt_constraint (centroid of the intersection of the vantages'' RTT discs).';
COMMENT ON COLUMN pingsvc.geolocations.region IS
    'Region as the source gives it (ISO 3166-2 code in a geofeed, a name in DB-IP), if any.';
COMMENT ON COLUMN pingsvc.geolocations.city IS
    'City as the source gives it, if any.';
COMMENT ON COLUMN pingsvc.geolocations.area_km2 IS
    'rtt_constraint: area of the intersected region in km² (the uncertainty; radius_km is the radius of a disc of that area); NULL otherwise.';
COMMENT ON COLUMN pingsvc.geolocations.vantages IS
    'rtt_constraint: number of located vantages whose discs were intersected; NULL otherwise.';
COMMENT ON COLUMN pingsvc.geolocations.source IS
    'Where the location comes from: the import''s provider name (geofeed), the database file''s name (database), ''rtt'' (rtt_constraint).  An import replaces the rows of its source.';
