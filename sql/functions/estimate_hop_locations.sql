-- pingsvc.estimate_hop_locations: locate hop addresses that no geofeed or
-- database row covers, from delay constraints (Constraint-Based
-- Geolocation, Gueye et al., IMC 2004, without its bestline calibration).
--
-- For each public hop address seen since now() - p_since and each vantage
-- (trace vantage = workers.name) whose location is known, the minimum RTT
-- to it bounds the distance: a reply cannot have travelled farther than
-- rtt/2 at the speed of light in fibre (p_km_per_ms, about 200 km/ms, two
-- thirds of c).  The disc of that radius (clamped to [1, p_max_radius_km];
-- geography buffers are computed in a fitting planar projection, so very
-- large discs are coarse and barely constrain anyway) around the vantage
-- must contain the address; the intersection of the discs of all its
-- vantages is where it can be.  With at least p_min_vantages discs, the
-- intersection's centroid is stored as a /32 (/128) row of
-- pingsvc.geolocations, method 'rtt_constraint', source 'rtt', with its
-- area (area_km2: the uncertainty), radius_km = the radius of a disc of
-- that area, and the number of vantages.  An empty intersection (the RTTs
-- contradict the vantages' locations: a wrong location, a clock, an
-- anycast address) stores nothing and is counted as inconsistent.
-- Earlier estimates are replaced; estimates of addresses that a geofeed or
-- database row now covers are deleted.
--
-- Returns (estimated, inconsistent, removed).  Set-based: one statement per
-- step whatever the number of hops.
--
-- Concurrency: reads hops and traces of the window (plain snapshot reads),
-- writes only rtt_constraint rows of geolocations.  Two concurrent calls
-- may both compute; the upsert keeps the later one's rows, both valid.

CREATE FUNCTION pingsvc.estimate_hop_locations(
    p_since            interval         DEFAULT '7 days',
    p_min_vantages     integer          DEFAULT 2,
    p_km_per_ms        double precision DEFAULT 200,
    p_max_radius_km    double precision DEFAULT 10000)
RETURNS TABLE (estimated integer, inconsistent integer, removed integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $estimate$
BEGIN
    IF p_since IS NULL OR p_min_vantages IS NULL OR p_min_vantages < 1
       OR p_km_per_ms IS NULL OR p_km_per_ms <= 0
       OR p_max_radius_km IS NULL OR p_max_radius_km NOT BETWEEN 1 AND 20000 THEN
        RAISE EXCEPTION 'estimate_hop_locations: bad window, vantage count, speed or radius'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    DELETE FROM pingsvc.geolocations g
     WHERE g.method = 'rtt_constraint'
       AND EXISTS (SELECT 1 FROM pingsvc.geolocations d
                    WHERE d.prefix >>= g.prefix AND d.method <> 'rtt_constraint');
    GET DIAGNOSTICS removed = ROW_COUNT;

    WITH obs AS (
        SELECT h.address, t.vantage, min(h.rtt_ms) AS rtt_ms
          FROM pingsvc.hops h
          JOIN pingsvc.traces t ON t.trace_id = h.trace_id AND t.ts = h.ts
         WHERE h.ts >= now() - p_since AND t.ts >= now() - p_since
           AND h.rtt_ms IS NOT NULL
         GROUP BY h.address, t.vantage),
    discs AS (
        SELECT o.address, count(*)::integer AS n,
               pingsvc.geography_intersection(
                   public.ST_Buffer(w.location,
                                    1000 * least(greatest(o.rtt_ms / 2 * p_km_per_ms, 1),
                                                 p_max_radius_km),
                                    'quad_segs=16')) AS region
          FROM obs o
          JOIN pingsvc.workers w ON w.name = o.vantage AND w.location IS NOT NULL
         WHERE NOT pingsvc.frontier_special_purpose(o.address)
           AND NOT EXISTS (SELECT 1 FROM pingsvc.geolocations g
                            WHERE g.prefix >>= o.address AND g.method <> 'rtt_constraint')
         GROUP BY o.address
        HAVING count(*) >= p_min_vantages),
    est AS (
        SELECT d.address, d.n, d.region,
               CASE WHEN public.ST_IsEmpty(d.region::public.geometry) THEN 0
                    ELSE public.ST_Area(d.region) / 1e6 END AS area_km2
          FROM discs d),
    ins AS (
        INSERT INTO pingsvc.geolocations AS g
               (prefix, location, radius_km, source, method, area_km2, vantages, updated_at)
        SELECT e.address::cidr, public.ST_Centroid(e.region),
               least(sqrt(e.area_km2 / pi()), 20100), 'rtt', 'rtt_constraint',
               e.area_km2, e.n, now()
          FROM est e
         WHERE e.area_km2 > 0
        ON CONFLICT (prefix) DO UPDATE
           SET location = excluded.location, radius_km = excluded.radius_km,
               area_km2 = excluded.area_km2, vantages = excluded.vantages,
               updated_at = excluded.updated_at, source = excluded.source,
               country = NULL, region = NULL, city = NULL
         WHERE g.method = 'rtt_constraint'
        RETURNING 1)
    SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM est WHERE area_km2 = 0)
      INTO estimated, inconsistent;
    RETURN NEXT;
END
$estimate$;

COMMENT ON FUNCTION pingsvc.estimate_hop_locations(interval, integer, double precision, double precision) IS
    'Constraint-based location of hops no geofeed or database covers: intersect, per address, the discs (radius = min RTT / 2 x p_km_per_ms, clamped) around each located vantage that reached it since now() - p_since; store the centroid with area_km2 as uncertainty (method rtt_constraint).  Returns (estimated, inconsistent = empty intersections, removed = estimates now covered by real data).';
REVOKE ALL ON FUNCTION pingsvc.estimate_hop_locations(interval, integer, double precision, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.estimate_hop_locations(interval, integer, double precision, double precision)
    TO pingsvc_frontier;
