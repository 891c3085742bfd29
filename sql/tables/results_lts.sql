-- pingsvc.results, migration 0003: the clock-sync age of each result.
--
-- RIPE Atlas's "lts": seconds since the probe's clock was last
-- synchronised when it measured (-1: unknown).  A result spooled for days
-- is still stored in the partition of its measurement time; lts says how
-- far its timestamp can be trusted.  Partitions made from now on copy the
-- comment (LIKE ... INCLUDING COMMENTS); existing ones get it below.

ALTER TABLE pingsvc.results
    ADD COLUMN lts integer CONSTRAINT results_lts CHECK (lts >= -1);

COMMENT ON COLUMN pingsvc.results.lts IS
    'Seconds since the worker''s clock was last synchronised when it measured (RIPE Atlas "lts"; -1 unknown); NULL when the result did not say.';

DO $$
DECLARE
    v_part regclass;
BEGIN
    FOR v_part IN SELECT inhrelid::regclass FROM pg_inherits
                   WHERE inhparent = 'pingsvc.results'::regclass
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.lts IS %L', v_part,
                       col_description('pingsvc.results'::regclass,
                                       (SELECT attnum FROM pg_attribute
                                         WHERE attrelid = 'pingsvc.results'::regclass
                                           AND attname = 'lts')));
    END LOOP;
END;
$$;
