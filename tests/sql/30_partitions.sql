-- 30_partitions.sql: daily partitions exist ahead of time, can be made for
-- an import's past range, rows without a partition fail loudly, and the
-- retention drops old results partitions but keeps traces and hops.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(40);

-- Ready for today's writes ------------------------------------------------------

SELECT lives_ok('SELECT * FROM pingsvc.maintain_partitions()', 'maintain_partitions() runs');
SELECT is(ARRAY(SELECT format('%s_p%s', c.parent, to_char(d, 'YYYYMMDD'))
                  FROM pingsvc.partition_config c,
                       generate_series((now() AT TIME ZONE 'UTC')::date - 1,
                                       (now() AT TIME ZONE 'UTC')::date + c.premake, interval '1 day') AS d
                 WHERE c.parent = p
                EXCEPT
                SELECT partition FROM pingsvc.partitions),
          '{}'::text[], p || ': partitions from yesterday to premake days ahead exist')
  FROM unnest(ARRAY['results', 'traces', 'hops']) AS p;
SELECT is((SELECT count(*) FROM pingsvc.maintain_partitions()), 0::bigint,
          'maintain_partitions() again changes nothing');
SELECT lives_ok($$INSERT INTO pingsvc.results (ts, type, af, target, body, source)
                  VALUES (now(), 'ping', 4, '192.0.2.1', '{}', 'atlas'),
                         (now() + interval '6 days', 'ping', 4, '192.0.2.1', '{}', 'atlas')$$,
                'results for today and the coming days can be stored');

-- Making partitions for an import of 2025 data ------------------------------------

SELECT results_eq($$SELECT action, partition FROM pingsvc.ensure_partitions('2025-03-01', '2025-03-03') ORDER BY 2$$,
                  $$VALUES ('created', 'hops_p20250301'), ('created', 'hops_p20250302'), ('created', 'hops_p20250303'),
                           ('created', 'results_p20250301'), ('created', 'results_p20250302'), ('created', 'results_p20250303'),
                           ('created', 'traces_p20250301'), ('created', 'traces_p20250302'), ('created', 'traces_p20250303')$$,
                  'ensure_partitions makes the daily partitions of every table for the range');
SELECT is((SELECT count(*) FROM pingsvc.ensure_partitions('2025-03-01', '2025-03-03')), 0::bigint,
          'ensure_partitions again makes nothing');
SELECT results_eq($$SELECT range_from, range_to FROM pingsvc.partitions WHERE partition = 'results_p20250302'$$,
                  $$VALUES ('2025-03-02 00:00+00'::timestamptz, '2025-03-03 00:00+00'::timestamptz)$$,
                  'a partition spans one UTC day');
SELECT is(pg_get_userbyid(relowner)::text, 'pingsvc_owner', 'new partitions belong to pingsvc_owner')
  FROM pg_class WHERE oid = 'pingsvc.results_p20250302'::regclass;
SELECT isnt(obj_description('pingsvc.traces_p20250302'::regclass, 'pg_class'), NULL,
            'new partitions have a comment');
SELECT is(col_description('pingsvc.hops_p20250302'::regclass, 4), col_description('pingsvc.hops'::regclass, 4),
          'new partitions carry the column comments');
SELECT lives_ok($$INSERT INTO pingsvc.results (ts, type, af, target, body, source, idem_key)
                  VALUES ('2025-03-02 12:00:00+00', 'traceroute', 4, '203.0.113.200', '{"type": "traceroute"}', 'atlas', 'a1')$$,
                'a 2025 result is stored once its partition exists');
SELECT is((SELECT tableoid::regclass::text FROM pingsvc.results WHERE idem_key = 'a1'), 'pingsvc.results_p20250302',
          'it lands in its day''s partition');
SELECT lives_ok($$WITH t AS (INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, source)
                             VALUES (1, 'atlas:1001', '203.0.113.200', '2025-03-03 23:59:59.999+00', 'icmp',
                                     '{192.0.2.1,NULL}', false, 'atlas')
                             RETURNING trace_id, ts)
                  INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
                  SELECT trace_id, ts, 1, 0, '192.0.2.1', 1.0 FROM t$$,
                'a 2025 trace and its hops are stored (last instant of the range)');
SELECT is((SELECT array_agg(DISTINCT tableoid::regclass::text) FROM pingsvc.hops WHERE ts < '2025-12-01'),
          ARRAY['pingsvc.hops_p20250303'], 'hops partition by the trace''s ts');

-- No partition, no row ---------------------------------------------------------------

SELECT throws_ok($$INSERT INTO pingsvc.results (ts, type, af, target, body, source)
                   VALUES ('2024-06-15 12:00+00', 'ping', 4, '192.0.2.1', '{}', 'atlas')$$,
                 '23514', NULL, 'a result for a day without a partition is refused');
SELECT throws_ok($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address)
                   VALUES (1, '2025-03-04 00:00+00', 1, 0, '192.0.2.1')$$,
                 '23514', NULL, 'a hop just past the made range is refused');
SELECT throws_ok($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached)
                   VALUES (1, 'w', '192.0.2.1', now() + interval '400 days', 'icmp', '{192.0.2.1}', true)$$,
                 '23514', NULL, 'a trace from a far future (a broken clock) is refused');

-- Arguments and corners ----------------------------------------------------------------

SELECT results_eq($$SELECT partition FROM pingsvc.ensure_partitions('2025-04-01 00:00+00', '2025-04-01 00:00+00', 'results')$$,
                  $$VALUES ('results_p20250401')$$,
                  'ensure_partitions for an instant and one table makes one partition');
SET LOCAL TimeZone = 'America/New_York';
SELECT results_eq($$SELECT partition FROM pingsvc.ensure_partitions('2025-06-01 22:00-04', '2025-06-01 23:00-04', 'traces')$$,
                  $$VALUES ('traces_p20250602')$$,
                  'partitions follow UTC days whatever the session time zone');
RESET TimeZone;
SELECT throws_ok($$SELECT * FROM pingsvc.ensure_partitions('2025-03-03', '2025-03-01')$$,
                 '22023', NULL, 'ensure_partitions refuses an inverted range');
SELECT throws_ok($$SELECT * FROM pingsvc.ensure_partitions('2023-01-01', '2023-04-04')$$,
                 '22023', NULL, 'ensure_partitions refuses more than 93 daily partitions at once');
SELECT throws_ok($$SELECT * FROM pingsvc.ensure_partitions('2025-03-01', '2025-03-02', 'links')$$,
                 '22023', NULL, 'ensure_partitions refuses a table not in partition_config');

-- Weekly and monthly partitions, for tables added later.
SET LOCAL ROLE pingsvc_owner;
CREATE TABLE pingsvc.t_weekly (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE pingsvc.t_monthly (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);
INSERT INTO pingsvc.partition_config (parent, granularity) VALUES ('t_weekly', '7 days'), ('t_monthly', '1 mon');
RESET ROLE;
-- (The view is read by a later statement: one that makes partitions does
-- not see them in the catalog snapshot it started with.)
SELECT results_eq($$SELECT partition FROM pingsvc.ensure_partitions('2025-06-04', '2025-06-10', 't_weekly')
                     UNION ALL
                    SELECT partition FROM pingsvc.ensure_partitions('2025-02-14', '2025-02-14', 't_monthly')$$,
                  $$VALUES ('t_weekly_p20250602'), ('t_weekly_p20250609'), ('t_monthly_p20250201')$$,
                  'weekly and monthly partitions are named for their first day');
SELECT results_eq($$SELECT partition, range_from, range_to FROM pingsvc.partitions
                     WHERE parent IN ('t_weekly', 't_monthly') ORDER BY 1$$,
                  $$VALUES ('t_monthly_p20250201', '2025-02-01 00:00+00'::timestamptz, '2025-03-01 00:00+00'::timestamptz),
                           ('t_weekly_p20250602', '2025-06-02 00:00+00'::timestamptz, '2025-06-09 00:00+00'::timestamptz),
                           ('t_weekly_p20250609', '2025-06-09 00:00+00'::timestamptz, '2025-06-16 00:00+00'::timestamptz)$$,
                  'weeks start on Mondays, months on the first, at midnight UTC');
SELECT lives_ok($$UPDATE pingsvc.partition_config SET premake = 90 WHERE parent IN ('t_weekly', 't_monthly')$$,
                'weekly and monthly tables may premake 90 partitions');
SELECT cmp_ok((SELECT count(*) FROM pingsvc.maintain_partitions() WHERE partition LIKE 't\_%'), '>=', 180::bigint,
              'maintain_partitions() makes them (over 92 days, in partitions)');
SELECT ok(has_table_privilege('pingsvc_analyst', 'pingsvc.t_weekly', 'SELECT'),
          'a table pingsvc_owner adds later is readable by analysts (default privileges)');
DELETE FROM pingsvc.partition_config WHERE parent IN ('t_weekly', 't_monthly');

-- Retention ------------------------------------------------------------------------------

CREATE TEMP TABLE t_old ON COMMIT DROP AS
SELECT (date_trunc('day', now() AT TIME ZONE 'UTC') - interval '400 days') AT TIME ZONE 'UTC' AS day,
       to_char(now() AT TIME ZONE 'UTC' - interval '400 days', 'YYYYMMDD') AS suffix;
SELECT is((SELECT count(*) FROM t_old, pingsvc.ensure_partitions(day, day)), 3::bigint,
          'partitions for a day 400 days ago are made');
INSERT INTO pingsvc.results (ts, type, af, target, body, source, idem_key)
SELECT day + interval '1 hour', 'ping', 4, '192.0.2.1', '{}', 'atlas', 'old' FROM t_old;
INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts)
SELECT 'atlas', 'old', 1, day + interval '1 hour' FROM t_old;
INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, source)
SELECT 1, 'atlas:1', '192.0.2.1', day + interval '1 hour', 'icmp', '{192.0.2.1}', false, 'atlas' FROM t_old;
INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts) VALUES ('atlas', 'new', 2, now());

CREATE TEMP TABLE t_maint ON COMMIT DROP AS SELECT * FROM pingsvc.maintain_partitions();

SELECT ok(EXISTS (SELECT 1 FROM t_maint, t_old WHERE action = 'dropped' AND partition = 'results_p' || suffix),
          'maintain_partitions() drops a results partition older than 180 days');
SELECT ok(EXISTS (SELECT 1 FROM t_maint, t_old WHERE action = 'pruned' AND partition = 'results_p' || suffix),
          '... and reports the pruning of its idempotency keys');
SELECT is((SELECT count(*) FROM t_maint WHERE partition LIKE 'traces%' OR partition LIKE 'hops%'), 0::bigint,
          'it drops no traces or hops partition');
SELECT is((SELECT count(*) FROM t_maint WHERE action = 'created'), 0::bigint,
          'it creates nothing that exists');
SELECT is((SELECT to_regclass('pingsvc.results_p' || suffix) FROM t_old), NULL,
          'the old results partition is gone');
SELECT is((SELECT to_regclass('pingsvc.results_p20250302')), NULL,
          'so is the imported 2025 results partition, older than the retention too');
SELECT isnt((SELECT to_regclass('pingsvc.traces_p' || suffix) FROM t_old), NULL,
            'the traces partition of that day stays');
SELECT is((SELECT count(*) FROM pingsvc.traces, t_old WHERE ts = day + interval '1 hour'), 1::bigint,
          'with its rows');
SELECT results_eq($$SELECT idem_key FROM pingsvc.result_keys WHERE namespace = 'atlas' ORDER BY 1$$,
                  $$VALUES ('new'::text)$$,
                  'the keys of dropped results are deleted, recent keys kept');
SELECT is((SELECT count(*) FROM pingsvc.maintain_partitions()), 0::bigint,
          'maintain_partitions() is idempotent');

SELECT * FROM finish();
ROLLBACK;
