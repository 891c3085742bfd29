-- load_basemap: replace pingsvc.basemap_countries with the features of a
-- GeoJSON FeatureCollection (Natural Earth admin-0 countries: properties
-- NAME and ISO_A2).  Polygons become MultiPolygons; features without a
-- (Multi)Polygon geometry or a name are skipped; duplicate names keep the
-- first.  Runs in the caller's transaction and takes an exclusive lock on
-- the table, so concurrent loads serialise and readers see the old or the
-- new map, never a mix.  Returns the number of countries loaded.

CREATE FUNCTION pingsvc.load_basemap(p_geojson jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc, public
AS $$
DECLARE
    v_n integer;
BEGIN
    IF jsonb_typeof(p_geojson -> 'features') IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'load_basemap: not a GeoJSON FeatureCollection'
            USING ERRCODE = '22023';
    END IF;
    LOCK TABLE pingsvc.basemap_countries IN EXCLUSIVE MODE;
    DELETE FROM pingsvc.basemap_countries;
    INSERT INTO pingsvc.basemap_countries (name, iso_a2, geom)
    SELECT DISTINCT ON (name) name, iso_a2, geom
      FROM (SELECT coalesce(f -> 'properties' ->> 'NAME',
                            f -> 'properties' ->> 'name') AS name,
                   CASE WHEN f -> 'properties' ->> 'ISO_A2' ~ '^[A-Z]{2}$'
                        THEN f -> 'properties' ->> 'ISO_A2' END AS iso_a2,
                   public.ST_Multi(public.ST_SetSRID(
                       public.ST_GeomFromGeoJSON(f -> 'geometry'), 4326)) AS geom,
                   o
              FROM jsonb_array_elements(p_geojson -> 'features') WITH ORDINALITY AS e(f, o)
             WHERE f -> 'geometry' ->> 'type' IN ('Polygon', 'MultiPolygon')) AS c
     WHERE name IS NOT NULL AND length(name) BETWEEN 1 AND 200
     ORDER BY name, o;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;

COMMENT ON FUNCTION pingsvc.load_basemap(jsonb) IS
    'Replace pingsvc.basemap_countries with the countries of a GeoJSON FeatureCollection (Natural Earth admin-0); returns how many were loaded.';
REVOKE EXECUTE ON FUNCTION pingsvc.load_basemap(jsonb) FROM PUBLIC;
