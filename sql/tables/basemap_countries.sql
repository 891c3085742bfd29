-- pingsvc.basemap_countries: country outlines for the viewer's world map,
-- loaded from Natural Earth's admin-0 countries (GeoJSON) with
-- pingsvc.load_basemap().  Only drawn, never joined with measurements.

CREATE TABLE pingsvc.basemap_countries (
    name        text        PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    iso_a2      text        CHECK (iso_a2 ~ '^[A-Z]{2}$'),
    geom        public.geometry(MultiPolygon, 4326) NOT NULL
);

COMMENT ON TABLE pingsvc.basemap_countries IS
    'Country outlines (Natural Earth admin-0) for the viewer''s geographic map; load with pingsvc.load_basemap().';
COMMENT ON COLUMN pingsvc.basemap_countries.name IS
    'Country name (Natural Earth NAME).';
COMMENT ON COLUMN pingsvc.basemap_countries.iso_a2 IS
    'ISO 3166-1 alpha-2 code, NULL where Natural Earth has none (-99).';
COMMENT ON COLUMN pingsvc.basemap_countries.geom IS
    'Outline, WGS 84 longitude/latitude.';
