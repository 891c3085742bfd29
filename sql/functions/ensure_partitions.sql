-- pingsvc.ensure_partitions: make the partitions that cover [p_from, p_to]
-- (both ends included) for every table in partition_config, or only for
-- p_parent; return one ('created', partition) row per partition made.
-- Existing partitions are left alone, so calling it again does nothing.
-- Importers of historical data call it for their time range first; the
-- frontier calls it through maintain_partitions().
--
-- Concurrency: takes a transaction-level advisory lock first, so concurrent
-- calls run one after the other and the later one finds the partitions
-- already made.  Each partition is created as a separate table and then
-- ATTACHed, which locks the parent only in SHARE UPDATE EXCLUSIVE mode:
-- inserts and queries on the parent go on meanwhile.  The new partitions
-- hold locks until the caller commits, so keep such transactions short.
-- At most 93 partitions per table per call (92 days of a daily table): every
-- new partition holds about 11 locks (table, indexes, TOAST) until commit,
-- and 93 days of the three tables, about 3100, stay well inside a stock
-- server's lock table (64 x max_connections).

CREATE FUNCTION pingsvc.ensure_partitions(
    p_from      timestamptz,
    p_to        timestamptz,
    p_parent    text DEFAULT NULL)
RETURNS TABLE (action text, partition text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pingsvc
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    v_cfg   record;
    v_los   timestamptz[];
    v_lo    timestamptz;
    v_hi    timestamptz;
    v_name  text;
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_to < p_from THEN
        RAISE EXCEPTION 'ensure_partitions: need p_from <= p_to, got [%, %]', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_parent IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pingsvc.partition_config c WHERE c.parent = p_parent) THEN
        RAISE EXCEPTION 'ensure_partitions: % is not in pingsvc.partition_config', p_parent
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    PERFORM pg_advisory_xact_lock(hashtextextended('pingsvc.partitions', 0));

    FOR v_cfg IN
        SELECT c.parent, c.granularity,
               CASE c.granularity
                   WHEN interval '1 day' THEN 'day'
                   WHEN interval '7 days' THEN 'week'
                   ELSE 'month'
               END AS unit,
               EXISTS (SELECT 1
                         FROM pg_class r
                         JOIN pg_namespace n ON n.oid = r.relnamespace
                        WHERE n.nspname = 'pingsvc'
                          AND r.relname = c.parent
                          AND r.relkind = 'p') AS is_partitioned
          FROM pingsvc.partition_config c
         WHERE p_parent IS NULL OR c.parent = p_parent
         ORDER BY c.parent
    LOOP
        IF NOT v_cfg.is_partitioned THEN
            RAISE EXCEPTION 'ensure_partitions: pingsvc.% is not a partitioned table', v_cfg.parent
                USING ERRCODE = 'wrong_object_type';
        END IF;
        -- Lower bounds of all partitions the range touches.
        v_los := ARRAY(SELECT generate_series(date_trunc(v_cfg.unit, p_from), p_to, v_cfg.granularity));
        IF cardinality(v_los) > 93 THEN
            RAISE EXCEPTION 'ensure_partitions: [%, %] spans more than 93 partitions of pingsvc.%',
                            p_from, p_to, v_cfg.parent
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Call it once for each part of the range, in separate transactions.';
        END IF;

        FOR v_lo IN
            SELECT s.lo
              FROM unnest(v_los) AS s(lo)
             WHERE NOT EXISTS (SELECT 1
                                 FROM pingsvc.partitions p
                                WHERE p.parent = v_cfg.parent
                                  AND p.range_from <= s.lo
                                  AND p.range_to >= s.lo + v_cfg.granularity)
             ORDER BY s.lo
        LOOP
            v_hi := v_lo + v_cfg.granularity;
            v_name := v_cfg.parent || '_p' || to_char(v_lo, 'YYYYMMDD');
            -- LIKE copies the columns, CHECKs, defaults, generated columns
            -- and comments; ATTACH adds the parent's indexes.
            EXECUTE format('CREATE TABLE pingsvc.%I (LIKE pingsvc.%I'
                           ' INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED'
                           ' INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS)',
                           v_name, v_cfg.parent);
            EXECUTE format('ALTER TABLE pingsvc.%I ATTACH PARTITION pingsvc.%I'
                           ' FOR VALUES FROM (%L) TO (%L)',
                           v_cfg.parent, v_name, v_lo, v_hi);
            EXECUTE format('COMMENT ON TABLE pingsvc.%I IS %L', v_name,
                           format('Partition of pingsvc.%s: ts from %s to %s (UTC, end excluded).',
                                  v_cfg.parent, v_lo, v_hi));
            action := 'created';
            partition := v_name;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION pingsvc.ensure_partitions(timestamptz, timestamptz, text) IS
    'Create the missing time partitions covering [p_from, p_to] (at most 93 per table, i.e. 92 days of a daily table) of every configured table, or of p_parent only; returns (''created'', partition) rows.  Idempotent.';

REVOKE ALL ON FUNCTION pingsvc.ensure_partitions(timestamptz, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.ensure_partitions(timestamptz, timestamptz, text)
    TO pingsvc_frontier, pingsvc_ingest;
