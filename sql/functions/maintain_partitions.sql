-- pingsvc.maintain_partitions: the daily partition housekeeping.  For each
-- table in partition_config, make the partitions from yesterday to premake
-- partitions ahead, then detach and drop those whose whole range is older
-- than the retention (with the result_keys of dropped results partitions).
-- Returns ('created' | 'dropped' | 'pruned', partition) rows; 'pruned' means
-- the idempotency keys of that dropped results partition were deleted.
-- The frontier runs it at least daily; migration 0001 runs it once.
--
-- Concurrency: serialised with ensure_partitions() by the same advisory
-- lock, so two runs cannot both create or drop.  Creating does not block
-- writers (see ensure_partitions); dropping takes an ACCESS EXCLUSIVE lock
-- on the parent for a moment, and waits for queries running on it: callers
-- should SET lock_timeout so that maintenance gives way instead of making
-- inserts queue behind it.

CREATE FUNCTION pingsvc.maintain_partitions()
RETURNS TABLE (action text, partition text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pingsvc
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    v_cfg   record;
    v_old   record;
    v_keys  bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('pingsvc.partitions', 0));

    FOR v_cfg IN
        SELECT c.parent, c.granularity, c.premake, c.retention
          FROM pingsvc.partition_config c
         ORDER BY c.parent
    LOOP
        RETURN QUERY
            SELECT e.action, e.partition
              FROM pingsvc.ensure_partitions(now() - v_cfg.granularity,
                                             now() + v_cfg.premake * v_cfg.granularity,
                                             v_cfg.parent) AS e;

        CONTINUE WHEN v_cfg.retention IS NULL;

        FOR v_old IN
            SELECT p.partition, p.range_from, p.range_to
              FROM pingsvc.partitions p
             WHERE p.parent = v_cfg.parent
               AND p.range_to <= now() - v_cfg.retention
             ORDER BY p.range_from
        LOOP
            EXECUTE format('ALTER TABLE pingsvc.%I DETACH PARTITION pingsvc.%I',
                           v_cfg.parent, v_old.partition);
            EXECUTE format('DROP TABLE pingsvc.%I', v_old.partition);
            action := 'dropped';
            partition := v_old.partition;
            RETURN NEXT;

            IF v_cfg.parent = 'results' THEN
                DELETE FROM pingsvc.result_keys k
                 WHERE k.ts >= v_old.range_from AND k.ts < v_old.range_to;
                GET DIAGNOSTICS v_keys = ROW_COUNT;
                IF v_keys > 0 THEN
                    action := 'pruned';
                    RETURN NEXT;
                END IF;
            END IF;
        END LOOP;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION pingsvc.maintain_partitions() IS
    'Daily partition housekeeping: create partitions from yesterday to premake ahead, drop those older than retention (and their result_keys); returns (action, partition) rows.';

REVOKE ALL ON FUNCTION pingsvc.maintain_partitions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.maintain_partitions() TO pingsvc_frontier;
