-- pingsvc.paths_match: ROUTE-CHANGES.md's match.  Two paths match when no
-- TTL holds two different addresses (NULL = `*` matches anything, a TTL
-- beyond one path's end too) and both reached the destination at the same
-- TTL, or neither did (reached_ttl NULL).  A loop in PL/pgSQL: fold_flow()
-- calls it once or twice per trace, and this is cheaper than a query.
-- Pure function: safe anywhere.

CREATE FUNCTION pingsvc.paths_match(
    p_a             inet[],
    p_a_reached_ttl smallint,
    p_b             inet[],
    p_b_reached_ttl smallint)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF p_a_reached_ttl IS DISTINCT FROM p_b_reached_ttl THEN
        RETURN false;
    END IF;
    FOR i IN 1 .. least(cardinality(p_a), cardinality(p_b)) LOOP
        IF p_a[i] <> p_b[i] THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END;
$$;

COMMENT ON FUNCTION pingsvc.paths_match(inet[], smallint, inet[], smallint) IS
    'ROUTE-CHANGES.md match: no TTL with two different addresses (NULL = * matches anything) and the destination reached at the same TTL (arguments 2 and 4), or by neither (NULL).';
