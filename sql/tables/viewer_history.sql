-- What the viewer needs to draw current and past maps from the route
-- history (flows, flow_paths) instead of the traces, and the world map
-- without PostGIS work per request.  Both maintained by the writers, not
-- by the viewer: the index by process_results() as it updates flows, the
-- stored column by PostgreSQL whenever load_basemap() writes a country.

-- Map page without a filter: the most recently traced flows before 'at'.
-- (Flows by vantage use flows_flow_key, by target flows_target_idx; a
-- flow's path at 'at' flow_paths_valid_idx.)
CREATE INDEX flows_viewer_last_ts_idx ON pingsvc.flows (last_ts);
COMMENT ON INDEX pingsvc.flows_viewer_last_ts_idx IS
    'Viewer: the most recently traced flows (map page without a filter).';

-- The outline of each country as SVG path data, in the viewer map's
-- projection and precision (ST_AsSVG: x = longitude, y = -latitude, 2
-- decimals), computed once when the row is written.  Drawing the 1:110m
-- map with ST_AsSVG took 10-20 ms of every map request.
ALTER TABLE pingsvc.basemap_countries
    ADD COLUMN svg_path text
    GENERATED ALWAYS AS (public.ST_AsSVG(geom, 0, 2)) STORED;
COMMENT ON COLUMN pingsvc.basemap_countries.svg_path IS
    'The outline as SVG path data (ST_AsSVG(geom, 0, 2): longitude, -latitude, 2 decimals), stored when the row is written; what the viewer''s map draws.';
