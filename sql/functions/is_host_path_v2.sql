-- pingsvc.is_host_path, version 2 (migration 0014): the same answer as
-- version 1 (is_host_path.sql) for every input, NULL for NULL, written as
-- one expression the planner inlines into the CHECK constraints of traces,
-- flows, flow_paths and route_changes.  Version 1 unnested the array in an
-- SQL function called once per row, which cost more than the rest of a
-- trace's insert.  An inet prints without "/bits" exactly when it is a
-- host address (/32, /128), so no element is a network exactly when the
-- array's text holds no '/' (NULL elements print as NULL).
-- Pure function of its argument: no locks, no shared state, safe anywhere.

CREATE OR REPLACE FUNCTION pingsvc.is_host_path(p_path inet[])
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN cardinality(p_path) BETWEEN 1 AND 255
       AND array_ndims(p_path) = 1
       AND strpos(p_path::text, '/') = 0;

COMMENT ON FUNCTION pingsvc.is_host_path(inet[]) IS
    'True when the array is a one-dimensional path of 1..255 TTLs whose non-NULL elements are host addresses (NULL = no reply).  Inlined into CHECK constraints (version 2, 0014).';
