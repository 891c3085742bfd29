-- pingsvc.geography_intersection: aggregate intersection of geographies
-- (PostGIS has ST_Union as an aggregate but no intersection aggregate).
-- The first non-NULL input is the start (ST_Intersection is STRICT); NULL
-- inputs are ignored; an empty intersection stays empty.  Used by
-- estimate_hop_locations() to intersect the RTT discs of one hop.
--
-- Concurrency: pure computation, reads no table.

CREATE AGGREGATE pingsvc.geography_intersection(public.geography) (
    SFUNC = public.st_intersection,
    STYPE = public.geography
);

COMMENT ON AGGREGATE pingsvc.geography_intersection(public.geography) IS
    'Intersection of all non-NULL input geographies (ST_Intersection folded over the group); empty when they do not all overlap.';
