-- pingsvc.partitions: the time partitions of schema pingsvc with their
-- ranges, read from the catalog.  maintain_partitions() uses it to find
-- partitions to drop; operators use it to see what exists and how big.

CREATE VIEW pingsvc.partitions AS
SELECT parent.relname::text COLLATE "default"   AS parent,
       part.relname::text COLLATE "default"     AS partition,
       bound.m[1]::timestamptz                  AS range_from,
       bound.m[2]::timestamptz                  AS range_to,
       nullif(part.reltuples, -1)::bigint       AS rows_estimate,
       pg_total_relation_size(part.oid)         AS total_bytes
  FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class part ON part.oid = i.inhrelid
  JOIN pg_catalog.pg_class parent ON parent.oid = i.inhparent
  JOIN pg_catalog.pg_namespace n ON n.oid = parent.relnamespace
  LEFT JOIN LATERAL regexp_match(pg_get_expr(part.relpartbound, part.oid),
                                 $re$^FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)$$re$)
       AS bound(m) ON true
 WHERE n.nspname = 'pingsvc'
   AND parent.relkind = 'p'
   AND part.relkind IN ('r', 'p');

COMMENT ON VIEW pingsvc.partitions IS
    'Time partitions of the partitioned tables in schema pingsvc, with their ts range and size.';
COMMENT ON COLUMN pingsvc.partitions.parent IS
    'Partitioned table (results, traces, hops).';
COMMENT ON COLUMN pingsvc.partitions.partition IS
    'Partition name, <parent>_pYYYYMMDD of its first day (UTC).';
COMMENT ON COLUMN pingsvc.partitions.range_from IS
    'First ts the partition holds (inclusive).';
COMMENT ON COLUMN pingsvc.partitions.range_to IS
    'End of the partition''s range (exclusive).';
COMMENT ON COLUMN pingsvc.partitions.rows_estimate IS
    'Row count estimated by the last ANALYZE; NULL if never analysed.';
COMMENT ON COLUMN pingsvc.partitions.total_bytes IS
    'Size on disk including indexes and TOAST, in bytes.';

GRANT SELECT ON pingsvc.partitions
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
