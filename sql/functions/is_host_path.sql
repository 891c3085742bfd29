-- pingsvc.is_host_path: true when every non-NULL element of p_path is a host
-- address (NULL elements are the `*` of a hop that did not answer) and the
-- path holds 1 to 255 TTLs.  Used by CHECK constraints on traces and
-- route_changes.  Pure function of its argument: safe anywhere.

CREATE FUNCTION pingsvc.is_host_path(p_path inet[])
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT cardinality(p_path) BETWEEN 1 AND 255
       AND array_ndims(p_path) = 1
       AND coalesce(bool_and(pingsvc.is_host_address(a)), true)
      FROM unnest(p_path) AS u(a);
END;

COMMENT ON FUNCTION pingsvc.is_host_path(inet[]) IS
    'True when the array is a one-dimensional path of 1..255 TTLs whose non-NULL elements are host addresses (NULL = no reply).';
