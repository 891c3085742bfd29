-- Longitude and latitude beside the geography points the viewer's map
-- draws (geolocations.location, workers.location), as plain numbers
-- stored when a row is written (generated columns: every writer fills
-- them).  The map then runs no PostGIS function: the first PostGIS call in
-- a backend loads the library, 14..31 ms on a busy machine, and every CGI
-- request is a new backend.

ALTER TABLE pingsvc.geolocations
    ADD COLUMN lon double precision
        GENERATED ALWAYS AS (public.ST_X(location::public.geometry)) STORED,
    ADD COLUMN lat double precision
        GENERATED ALWAYS AS (public.ST_Y(location::public.geometry)) STORED;
COMMENT ON COLUMN pingsvc.geolocations.lon IS
    'Longitude of location (ST_X), stored when the row is written; what the viewer''s map reads.';
COMMENT ON COLUMN pingsvc.geolocations.lat IS
    'Latitude of location (ST_Y), stored when the row is written; what the viewer''s map reads.';

ALTER TABLE pingsvc.workers
    ADD COLUMN location_lon double precision
        GENERATED ALWAYS AS (public.ST_X(location::public.geometry)) STORED,
    ADD COLUMN location_lat double precision
        GENERATED ALWAYS AS (public.ST_Y(location::public.geometry)) STORED;
COMMENT ON COLUMN pingsvc.workers.location_lon IS
    'Longitude of location (ST_X), stored when location is written; NULL without one.';
COMMENT ON COLUMN pingsvc.workers.location_lat IS
    'Latitude of location (ST_Y), stored when location is written; NULL without one.';
GRANT SELECT (location_lon, location_lat)
    ON pingsvc.workers TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
