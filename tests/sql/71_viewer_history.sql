-- 71_viewer_history.sql: migration 0017: the flows index the viewer's map
-- reads, and basemap_countries.svg_path, stored by PostgreSQL for every
-- row load_basemap() writes (so a reload refreshes it) and equal to what
-- the map drew with ST_AsSVG per request before.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(7);

SELECT has_index('pingsvc', 'flows', 'flows_viewer_last_ts_idx', ARRAY['last_ts']);
SELECT has_column('pingsvc', 'basemap_countries', 'svg_path', 'basemap_countries has svg_path');
SELECT is((SELECT attgenerated FROM pg_attribute
            WHERE attrelid = 'pingsvc.basemap_countries'::regclass AND attname = 'svg_path'),
          's', 'svg_path is a stored generated column');
SELECT ok(col_description('pingsvc.basemap_countries'::regclass,
                          (SELECT attnum FROM pg_attribute
                            WHERE attrelid = 'pingsvc.basemap_countries'::regclass
                              AND attname = 'svg_path')) IS NOT NULL,
          'svg_path is documented');

SELECT is(pingsvc.load_basemap('{"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"NAME": "Squareland", "ISO_A2": "SQ"},
     "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10.125], [0, 10.125], [0, 0]]]}}]}'::jsonb),
          1, 'a country loaded');
SELECT is((SELECT svg_path FROM pingsvc.basemap_countries WHERE name = 'Squareland'),
          (SELECT public.ST_AsSVG(geom, 0, 2) FROM pingsvc.basemap_countries WHERE name = 'Squareland'),
          'svg_path is ST_AsSVG(geom, 0, 2), as the map drew it');
SELECT is((SELECT svg_path FROM pingsvc.basemap_countries WHERE name = 'Squareland'),
          'M 0 0 L 10 0 10 -10.12 0 -10.12 Z',
          'svg_path: longitude, -latitude, 2 decimals');

SELECT * FROM finish();
ROLLBACK;
