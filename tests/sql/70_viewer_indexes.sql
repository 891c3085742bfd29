-- 70_viewer_indexes.sql: migration 0012's indexes exist with their columns
-- on the partitioned tables and on every partition, are documented, and the
-- viewer's way of writing time bounds (to_timestamp(epoch), immutable) lets
-- the planner prune daily partitions while planning.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(18);

SELECT has_index('pingsvc', 'traces', 'traces_vantage_ts_idx',
                 ARRAY['vantage', 'ts', 'target', 'proto', 'paris_id', 'trace_id']);
SELECT has_index('pingsvc', 'traces', 'traces_ts_idx', ARRAY['ts']);
SELECT has_index('pingsvc', 'hops', 'hops_address_ts_idx', ARRAY['address', 'ts', 'rtt_ms']);
SELECT has_index('pingsvc', 'results', 'results_ts_idx', ARRAY['ts']);
SELECT has_index('pingsvc', 'results', 'results_worker_ts_idx', ARRAY['worker_id', 'ts']);
SELECT has_index('pingsvc', 'targets', 'targets_hop_first_seen_idx', ARRAY['first_seen']);
SELECT has_index('pingsvc', 'jobs', 'jobs_finished_idx', ARRAY['state', 'done_at']);

SELECT is(pg_get_indexdef('pingsvc.traces_vantage_ts_idx'::regclass),
          'CREATE INDEX traces_vantage_ts_idx ON ONLY pingsvc.traces USING btree (vantage, ts) INCLUDE (target, proto, paris_id, trace_id)',
          'traces_vantage_ts_idx covers the flow key and the trace id');
SELECT is(pg_get_indexdef('pingsvc.hops_address_ts_idx'::regclass),
          'CREATE INDEX hops_address_ts_idx ON ONLY pingsvc.hops USING btree (address, ts) INCLUDE (rtt_ms)',
          'hops_address_ts_idx covers the RTT');
SELECT is(pg_get_indexdef('pingsvc.targets_hop_first_seen_idx'::regclass),
          'CREATE INDEX targets_hop_first_seen_idx ON pingsvc.targets USING btree (first_seen) WHERE (source = ''hop''::text)',
          'targets_hop_first_seen_idx holds the hop targets only');

-- Every partition has its copy (ensure_partitions() ATTACHes new ones).
SELECT is((SELECT count(*) FROM pg_inherits i
            WHERE i.inhparent = 'pingsvc.traces_vantage_ts_idx'::regclass),
          (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = 'pingsvc.traces'::regclass),
          'every traces partition has traces_vantage_ts_idx');
SELECT is((SELECT count(*) FROM pg_inherits i
            WHERE i.inhparent = 'pingsvc.hops_address_ts_idx'::regclass),
          (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = 'pingsvc.hops'::regclass),
          'every hops partition has hops_address_ts_idx');
SELECT cmp_ok((SELECT count(*) FROM pingsvc.ensure_partitions(now() + interval '20 days',
                                                               now() + interval '21 days', 'results')),
              '>=', 1::bigint, 'results partitions made after the migration');
SELECT is((SELECT count(*) FROM pg_inherits i
            WHERE i.inhparent = 'pingsvc.results_ts_idx'::regclass),
          (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = 'pingsvc.results'::regclass),
          'a partition made later gets results_ts_idx too');

SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c
                 WHERE c.relname IN ('traces_vantage_ts_idx', 'traces_ts_idx', 'hops_address_ts_idx',
                                     'results_ts_idx', 'results_worker_ts_idx',
                                     'targets_hop_first_seen_idx', 'jobs_finished_idx')
                   AND c.relnamespace = 'pingsvc'::regnamespace
                   AND obj_description(c.oid, 'pg_class') IS NULL),
          '{}'::text[], 'each index has a comment');

-- Plan-time pruning: a bound written as to_timestamp(epoch - seconds) is a
-- constant to the planner, so only the partitions of that hour are planned
-- at all (one, or two in the first hour of a UTC day); with now() -
-- interval every partition is planned and the extra ones are removed only
-- when the executor starts ("Subplans Removed" above 0: JSON plans print
-- the key with 0 whenever an Append has two children or more).
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || p_sql INTO v_plan;
    RETURN v_plan::text;
END;
$$;
SELECT ok(p.plan !~ '"Subplans Removed": [1-9]' AND regexp_count(p.plan, '"Relation Name"') <= 2,
          'a to_timestamp() window is pruned while planning')
  FROM (SELECT pg_temp.plan_of(format('SELECT count(*) FROM pingsvc.traces WHERE ts > to_timestamp(%s::float8 - 3600) AND ts <= to_timestamp(%s::float8)',
                                      extract(epoch FROM now()), extract(epoch FROM now()))) AS plan) AS p;
SELECT ok(pg_temp.plan_of('SELECT count(*) FROM pingsvc.traces WHERE ts > now() - interval ''1 hour'' AND ts <= now()')
          ~ '"Subplans Removed": [1-9]',
          'a now() - interval window is pruned only at executor start (why the viewer does not write it so)');
SELECT cmp_ok((SELECT count(*) FROM pg_inherits i WHERE i.inhparent = 'pingsvc.traces'::regclass),
              '>', 2::bigint, 'the database has more than 2 traces partitions (the comparisons above mean something)');

SELECT * FROM finish();
ROLLBACK;
