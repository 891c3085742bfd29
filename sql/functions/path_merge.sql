-- pingsvc.path_merge: p_a with its `*`s (NULLs) filled from p_b, as long as
-- the longer of the two.  Used on matching paths only, where no TTL holds
-- two different addresses, so the order does not matter there.  Pure.

CREATE FUNCTION pingsvc.path_merge(p_a inet[], p_b inet[])
RETURNS inet[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_out inet[] := p_a;
BEGIN
    FOR i IN 1 .. greatest(cardinality(p_a), cardinality(p_b)) LOOP
        IF v_out[i] IS NULL THEN
            v_out[i] := p_b[i];
        END IF;
    END LOOP;
    RETURN v_out;
END;
$$;

COMMENT ON FUNCTION pingsvc.path_merge(inet[], inet[]) IS
    'The first path with its NULLs (*) filled from the second, as long as the longer one; for matching paths.';
