-- pingsvc.load_bogons: replace the bogon part of pingsvc.special_ranges
-- (every row of kind 'bogon') with p_prefixes, named p_source (a Team Cymru
-- fullbogons list, say).  The special-purpose rows (IANA registries,
-- multicast, unallocated) stay as they are: a listed prefix that is already
-- such a row is counted in "special" and not added again.  Duplicates in
-- p_prefixes count once.  Returns (removed, added, special).
--
-- The change is visible to hop feedback (is_probe_allowed) and to the
-- scheduler (schedule_cycle) from the moment the caller commits.
--
-- Concurrency: takes SHARE ROW EXCLUSIVE on special_ranges, so two loads
-- serialise and readers (process_results, schedule_cycle) are not blocked:
-- they see the old list or the new one, never a mix.  Runs in the caller's
-- transaction; an error leaves the old list in place.

CREATE FUNCTION pingsvc.load_bogons(p_prefixes cidr[], p_source text)
RETURNS TABLE (removed integer, added integer, special integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $bogons$
DECLARE
    v_distinct integer;
BEGIN
    IF p_source IS NULL OR length(p_source) NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'load_bogons: the source name must be 1 to 100 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_prefixes IS NULL OR cardinality(p_prefixes) = 0 THEN
        RAISE EXCEPTION 'load_bogons: no prefixes (an empty list would unlist every bogon)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(p_prefixes, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'load_bogons: element % is NULL', array_position(p_prefixes, NULL)
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    LOCK TABLE pingsvc.special_ranges IN SHARE ROW EXCLUSIVE MODE;

    DELETE FROM pingsvc.special_ranges s WHERE s.kind = 'bogon';
    GET DIAGNOSTICS removed = ROW_COUNT;

    SELECT count(DISTINCT p) INTO v_distinct FROM unnest(p_prefixes) AS p;
    INSERT INTO pingsvc.special_ranges AS s (prefix, name, kind, rfc, globally_reachable, source)
    SELECT DISTINCT p, 'Bogon', 'bogon', NULL, false, p_source
      FROM unnest(p_prefixes) AS p
    ON CONFLICT (prefix) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    special := v_distinct - added;
    RETURN NEXT;
END
$bogons$;

COMMENT ON FUNCTION pingsvc.load_bogons(cidr[], text) IS
    'Replace every bogon row (kind bogon) of special_ranges with the given prefixes, keeping the special-purpose rows; returns (removed, added, special = listed prefixes that already were special-purpose rows).  Hop feedback and the scheduler honour the new rows once the transaction commits.';
REVOKE ALL ON FUNCTION pingsvc.load_bogons(cidr[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.load_bogons(cidr[], text) TO pingsvc_frontier;
