-- Result bodies compressed with lz4 instead of pglz (migration 0019): a
-- traceroute body of some 3-5 KB is TOASTed and compressed on every insert;
-- lz4 compresses several times faster at a similar ratio, which the
-- gateway's COPY of results feels.  Existing rows keep their compression
-- (nothing is rewritten).  The parent does not pass the setting on to
-- existing partitions, so each is altered too; partitions made later copy
-- it (ensure_partitions: LIKE ... INCLUDING COMPRESSION).

ALTER TABLE pingsvc.results ALTER COLUMN body SET COMPRESSION lz4;

DO $$
DECLARE
    v_part regclass;
BEGIN
    FOR v_part IN SELECT i.inhrelid::regclass FROM pg_inherits i
                   WHERE i.inhparent = 'pingsvc.results'::regclass ORDER BY 1
    LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN body SET COMPRESSION lz4', v_part);
    END LOOP;
END;
$$;
