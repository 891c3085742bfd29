-- pingsvc.maintain_partitions (replaces 0001's, same signature): the daily
-- partition housekeeping and the retention of raw results.  For each table
-- in partition_config, make the partitions from yesterday to premake
-- partitions ahead, then detach and drop those whose whole range is older
-- than the table's retention (with the result_keys of dropped results
-- partitions).  Returns ('created' | 'dropped' | 'pruned', partition) rows;
-- 'pruned' means the idempotency keys of that dropped results partition
-- were deleted.  The frontier runs it at least daily.
--
-- Retention, configured in partition_config.retention (NULL keeps
-- forever): raw results 180 days by default
-- (UPDATE pingsvc.partition_config SET retention = '90 days'
--   WHERE parent = 'results'), traces and hops kept.  What analysts need
-- survives the raw results: traces (paths) and hops are derived when the
-- result is stored, and flows, flow_paths, route_changes, links,
-- link_rtt_daily, rtt_buckets and link_rtt_buckets are plain tables that
-- no retention touches.  Should traces or hops get a retention, the RTT
-- buckets keep their samples: this function first folds the traces that
-- are due (fold_rtt_buckets()), and a traces or hops partition holding a
-- trace not folded yet is kept until a later run has folded it.
--
-- Concurrency: serialised with ensure_partitions() by the same advisory
-- lock, so two runs cannot both create or drop.  Creating does not block
-- writers (see ensure_partitions); dropping takes an ACCESS EXCLUSIVE lock
-- on the parent for a moment, and waits for queries running on it: callers
-- should SET lock_timeout so that maintenance gives way instead of making
-- inserts queue behind it.

CREATE OR REPLACE FUNCTION pingsvc.maintain_partitions()
RETURNS TABLE (action text, partition text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pingsvc
SET TimeZone = 'UTC'
AS $$
#variable_conflict use_column
DECLARE
    v_cfg     record;
    v_old     record;
    v_keys    bigint;
    v_folded  bigint;
    v_unfolded boolean;
BEGIN
    -- Fold first, so that the samples of what is dropped below are kept.
    PERFORM pingsvc.fold_rtt_buckets();
    SELECT s.folded_to INTO v_folded FROM pingsvc.rtt_fold_state s;

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
            IF v_cfg.parent IN ('traces', 'hops') THEN
                SELECT EXISTS (SELECT 1 FROM pingsvc.traces t
                                WHERE t.ts >= v_old.range_from AND t.ts < v_old.range_to
                                  AND t.trace_id > v_folded)
                  INTO v_unfolded;
                CONTINUE WHEN v_unfolded;
            END IF;
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
    'Daily partition housekeeping: fold due traces into the RTT buckets, create partitions from yesterday to premake ahead, drop those older than partition_config.retention (raw results: 180 days by default; traces and hops: kept) and the keys of dropped results; a traces/hops partition with traces not yet folded is kept for a later run.  Returns (action, partition) rows.';
