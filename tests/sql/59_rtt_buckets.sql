-- 59_rtt_buckets.sql: migration 0010's hourly RTT buckets.  Synthetic
-- traces (gaps, loops, untimed and foreign replies, unreached targets)
-- arrive in three waves sharing hours; folded after each wave, the bucket
-- tables equal a full recomputation (an independent query, and one fold of
-- everything from an empty state); rtt_summary() and link_rtt_summary()
-- give the same answers as computing from hops while part of the traces is
-- not folded yet; the two-step watermark waits for p_settle; retention
-- drops raw results but keeps traces, hops, links and the buckets, and
-- keeps a traces/hops partition until its traces are folded.
-- 60_rtt_fold_concurrency.sql checks the watermark against a transaction
-- that commits a smaller trace id late.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(36);

SELECT has_table('pingsvc', 'rtt_buckets', 'rtt_buckets exists');
SELECT has_table('pingsvc', 'link_rtt_buckets', 'link_rtt_buckets exists');
SELECT has_function('pingsvc', 'fold_rtt_buckets', ARRAY['interval'], 'fold_rtt_buckets(interval) exists');
SELECT has_function('pingsvc', 'link_rtt_summary',
                    ARRAY['inet', 'inet', 'timestamp with time zone', 'timestamp with time zone', 'interval'],
                    'link_rtt_summary(inet, inet, timestamptz, timestamptz, interval) exists');
SELECT ok(has_function_privilege('pingsvc_frontier', 'pingsvc.fold_rtt_buckets(interval)', 'EXECUTE'),
          'the frontier may run the fold');
SELECT ok(has_function_privilege('pingsvc_viewer',
              'pingsvc.link_rtt_summary(inet, inet, timestamptz, timestamptz, interval)', 'EXECUTE')
          AND has_table_privilege('pingsvc_analyst', 'pingsvc.rtt_buckets', 'SELECT'),
          'the viewer and analysts may read the summaries');

-- Synthetic traces --------------------------------------------------------------
-- Trace i (ids 980000 + i): vantage rb-v(i%3) to 198.51.100.16(i%4), ts
-- 2025-09-10 00:00 + 7 min * i.  Path (TTL 1..5): .161, .162 or .163, .164
-- or * (i%5=0), .165, target or * (i%7=0, not reached); i%11=0 loops
-- (.161 .162 .161 .162 target).  Each answered TTL has probes 0 and 1
-- (probe 1 untimed when (i+ttl)%6=0); reached traces also get a reply from
-- .169 at TTL 5 (not the target: no sample).

SELECT ok((SELECT count(*) FROM pingsvc.ensure_partitions('2025-09-10', '2025-09-13')) >= 0, 'partitions made');

CREATE FUNCTION pg_temp.mk(p_from integer, p_to integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO pingsvc.traces (trace_id, result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl)
    SELECT 980000 + i, 980000 + i, 'rb-v' || (i % 3), ('198.51.100.' || (160 + i % 4))::inet,
           timestamptz '2025-09-10 00:00+00' + i * interval '7 minutes', 'icmp', 1, p.path,
           p.path[5] IS NOT NULL, CASE WHEN p.path[5] IS NOT NULL THEN 5 END
      FROM generate_series(p_from, p_to) AS i
      CROSS JOIN LATERAL (SELECT CASE WHEN i % 11 = 0
              THEN ARRAY['192.0.2.161', '192.0.2.162', '192.0.2.161', '192.0.2.162', '198.51.100.' || (160 + i % 4)]::inet[]
              ELSE ARRAY['192.0.2.161',
                         CASE WHEN i % 2 = 0 THEN '192.0.2.162' ELSE '192.0.2.163' END,
                         CASE WHEN i % 5 = 0 THEN NULL ELSE '192.0.2.164' END,
                         '192.0.2.165',
                         CASE WHEN i % 7 = 0 THEN NULL ELSE '198.51.100.' || (160 + i % 4) END]::inet[]
              END AS path) AS p;
    INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
    SELECT t.trace_id, t.ts, g.ttl, pr.probe, t.path[g.ttl],
           CASE WHEN pr.probe = 1 AND (t.trace_id + g.ttl) % 6 = 0 THEN NULL
                ELSE ((t.trace_id * 37 + g.ttl * 11 + pr.probe * 5) % 50) / 4.0 + g.ttl * 2 END
      FROM pingsvc.traces t
      CROSS JOIN generate_series(1, 5) AS g(ttl)
      CROSS JOIN generate_series(0, 1) AS pr(probe)
     WHERE t.trace_id BETWEEN 980000 + p_from AND 980000 + p_to
       AND t.ts >= '2025-09-10' AND t.ts < '2025-09-13'
       AND t.path[g.ttl] IS NOT NULL;
    INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
    SELECT t.trace_id, t.ts, 5, 2, '192.0.2.169', 999
      FROM pingsvc.traces t
     WHERE t.trace_id BETWEEN 980000 + p_from AND 980000 + p_to
       AND t.ts >= '2025-09-10' AND t.ts < '2025-09-13' AND t.reached;
$$;

-- The full recomputation, written independently of fold_rtt_range.
CREATE FUNCTION pg_temp.full_dst() RETURNS TABLE (vantage text, target inet, b timestamptz, rtts float8[])
LANGUAGE sql AS $$
    SELECT t.vantage, t.target, date_trunc('hour', t.ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           array_agg(h.rtt_ms ORDER BY h.rtt_ms)
      FROM pingsvc.traces t, pingsvc.hops h
     WHERE h.trace_id = t.trace_id AND h.ts = t.ts AND h.ttl = t.reached_ttl
       AND h.address = t.target AND h.rtt_ms IS NOT NULL AND t.trace_id > 980000
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
$$;
CREATE FUNCTION pg_temp.full_link() RETURNS TABLE (near inet, far inet, b timestamptz, diffs float8[])
LANGUAGE sql AS $$
    WITH m AS (SELECT h.trace_id, h.ttl, h.address, min(h.rtt_ms) AS r
                 FROM pingsvc.hops h WHERE h.trace_id > 980000 GROUP BY 1, 2, 3),
    pos AS (SELECT t.trace_id, t.ts, s.i, t.path[s.i] AS near, t.path[s.i + 1] AS far,
                   rank() OVER (PARTITION BY t.trace_id, t.path[s.i], t.path[s.i + 1] ORDER BY s.i) AS k
              FROM pingsvc.traces t, generate_subscripts(t.path, 1) AS s(i)
             WHERE t.trace_id > 980000 AND s.i < cardinality(t.path)
               AND t.path[s.i] IS NOT NULL AND t.path[s.i + 1] IS NOT NULL
               AND t.path[s.i] <> t.path[s.i + 1])
    SELECT p.near, p.far, date_trunc('hour', p.ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           array_agg(f.r - n.r ORDER BY f.r - n.r)
      FROM pos p
      JOIN m n ON n.trace_id = p.trace_id AND n.ttl = p.i AND n.address = p.near
      JOIN m f ON f.trace_id = p.trace_id AND f.ttl = p.i + 1 AND f.address = p.far
     WHERE p.k = 1 AND n.r IS NOT NULL AND f.r IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
$$;

-- Incremental: three waves, folded after each; waves share hours.
\o /dev/null
SELECT pg_temp.mk(1, 100);
\o
SELECT is(pingsvc.fold_rtt_buckets(NULL), 100::bigint, 'wave 1: 100 traces folded');
SELECT is(pingsvc.fold_rtt_buckets(NULL), 0::bigint, 'a repeated call folds nothing');
\o /dev/null
SELECT pg_temp.mk(101, 230);
\o
SELECT is(pingsvc.fold_rtt_buckets(NULL), 130::bigint, 'wave 2: 130 traces folded');
\o /dev/null
SELECT pg_temp.mk(231, 400);
\o

-- rtt_summary and link_rtt_summary with wave 3 not folded: as from hops.
SELECT results_eq(
    $$SELECT bucket_start, samples, p10_ms, median_ms, p90_ms
        FROM pingsvc.rtt_summary('rb-v1', '198.51.100.161', '2025-09-10', '2025-09-12')$$,
    $$SELECT date_bin('1 hour', t.ts, timestamptz '1970-01-01 00:00+00'), count(*),
             percentile_cont(0.1) WITHIN GROUP (ORDER BY h.rtt_ms),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY h.rtt_ms),
             percentile_cont(0.9) WITHIN GROUP (ORDER BY h.rtt_ms)
        FROM pingsvc.traces t JOIN pingsvc.hops h
          ON h.trace_id = t.trace_id AND h.ts = t.ts AND h.ttl = t.reached_ttl AND h.address = t.target
       WHERE t.vantage = 'rb-v1' AND t.target = '198.51.100.161' AND t.reached AND h.rtt_ms IS NOT NULL
       GROUP BY 1 ORDER BY 1$$,
    'rtt_summary hourly: folded buckets plus unfolded traces equal the computation from hops');
SELECT results_eq(
    $$SELECT bucket_start, samples, median_ms
        FROM pingsvc.rtt_summary('rb-v1', '198.51.100.161', '2025-09-10', '2025-09-12', '1 day')$$,
    $$SELECT date_bin('1 day', t.ts, timestamptz '1970-01-01 00:00+00'), count(*),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY h.rtt_ms)
        FROM pingsvc.traces t JOIN pingsvc.hops h
          ON h.trace_id = t.trace_id AND h.ts = t.ts AND h.ttl = t.reached_ttl AND h.address = t.target
       WHERE t.vantage = 'rb-v1' AND t.target = '198.51.100.161' AND t.reached AND h.rtt_ms IS NOT NULL
       GROUP BY 1 ORDER BY 1$$,
    'rtt_summary daily: hours merge exactly into days');
SELECT results_eq(
    $$SELECT bucket_start, samples, median_ms
        FROM pingsvc.rtt_summary('rb-v1', '198.51.100.161', '2025-09-10 05:30+00', '2025-09-10 20:00+00', '30 minutes')$$,
    $$SELECT date_bin('30 minutes', t.ts, timestamptz '1970-01-01 00:00+00'), count(*),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY h.rtt_ms)
        FROM pingsvc.traces t JOIN pingsvc.hops h
          ON h.trace_id = t.trace_id AND h.ts = t.ts AND h.ttl = t.reached_ttl AND h.address = t.target
       WHERE t.vantage = 'rb-v1' AND t.target = '198.51.100.161' AND t.reached AND h.rtt_ms IS NOT NULL
         AND t.ts >= '2025-09-10 05:30+00' AND t.ts < '2025-09-10 20:00+00'
       GROUP BY 1 ORDER BY 1$$,
    'rtt_summary off the hours: computed from hops');
SELECT results_eq(
    $$SELECT bucket_start, samples, p10_ms, median_ms, p90_ms
        FROM pingsvc.link_rtt_summary('192.0.2.161', '192.0.2.162', '2025-09-10', '2025-09-13', '6 hours')$$,
    $$SELECT date_bin('6 hours', x.b, timestamptz '1970-01-01 00:00+00'), count(*),
             percentile_cont(0.1) WITHIN GROUP (ORDER BY x.d),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY x.d),
             percentile_cont(0.9) WITHIN GROUP (ORDER BY x.d)
        FROM (SELECT f.b, u.d FROM pg_temp.full_link() f, unnest(f.diffs) AS u(d)
               WHERE f.near = '192.0.2.161' AND f.far = '192.0.2.162') AS x
       GROUP BY 1 ORDER BY 1$$,
    'link_rtt_summary with wave 3 not folded equals the full recomputation');
SELECT throws_ok(
    $$SELECT * FROM pingsvc.link_rtt_summary('192.0.2.161', '192.0.2.162', '2025-09-10 00:30+00', '2025-09-11')$$,
    '22023', NULL, 'link_rtt_summary refuses a range off the hours');

SELECT is(pingsvc.fold_rtt_buckets(NULL), 170::bigint, 'wave 3: 170 traces folded');

-- Incremental = full recomputation.
SELECT results_eq(
    $$SELECT vantage, target, bucket_start, rtts FROM pingsvc.rtt_buckets WHERE vantage LIKE 'rb-v%' ORDER BY 1, 2, 3$$,
    $$SELECT * FROM pg_temp.full_dst()$$,
    'rtt_buckets after three folds equal the full recomputation');
SELECT results_eq(
    $$SELECT near, far, bucket_start, diffs FROM pingsvc.link_rtt_buckets
       WHERE near << '192.0.2.160/28' ORDER BY 1, 2, 3$$,
    $$SELECT * FROM pg_temp.full_link()$$,
    'link_rtt_buckets after three folds equal the full recomputation');
SELECT ok((SELECT count(*) FROM pingsvc.link_rtt_buckets WHERE near = '192.0.2.162' AND far = '192.0.2.161') > 0
          AND NOT EXISTS (SELECT 1 FROM pingsvc.link_rtt_buckets WHERE near = '192.0.2.163' AND far = '192.0.2.165'),
          'loops give their reverse link; no link across a silent hop');
SELECT is((SELECT sum(samples) FROM pingsvc.rtt_buckets WHERE vantage LIKE 'rb-v%'),
          (SELECT count(*) FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
            WHERE t.trace_id > 980000 AND h.ttl = 5 AND h.address = t.target AND h.rtt_ms IS NOT NULL),
          'every timed destination reply is one sample, foreign replies none');
SELECT ok((SELECT bool_and(b.median_ms = pingsvc.rtt_percentile(b.rtts, 0.5)
                           AND b.p10_ms <= b.median_ms AND b.median_ms <= b.p90_ms
                           AND b.samples = cardinality(b.rtts))
             FROM pingsvc.rtt_buckets b WHERE vantage LIKE 'rb-v%'),
          'percentile columns follow the samples');

CREATE TEMP TABLE t_dst AS SELECT vantage, target, bucket_start, rtts FROM pingsvc.rtt_buckets;
CREATE TEMP TABLE t_link AS SELECT near, far, bucket_start, diffs FROM pingsvc.link_rtt_buckets;
DELETE FROM pingsvc.rtt_buckets;
DELETE FROM pingsvc.link_rtt_buckets;
UPDATE pingsvc.rtt_fold_state SET folded_to = 0, pending_to = NULL, pending_xid = NULL, pending_at = NULL;
SELECT ok(pingsvc.fold_rtt_buckets(NULL) >= 400, 'one fold of everything from an empty state');
SELECT bag_eq($$SELECT vantage, target, bucket_start, rtts FROM pingsvc.rtt_buckets$$,
              $$SELECT * FROM t_dst$$, 'rtt_buckets: three folds = one fold of everything');
SELECT bag_eq($$SELECT near, far, bucket_start, diffs FROM pingsvc.link_rtt_buckets$$,
              $$SELECT * FROM t_link$$, 'link_rtt_buckets: three folds = one fold of everything');

-- The two steps: a call registers the largest trace id, a later one folds up
-- to it once p_settle has passed and older transactions have ended.
\o /dev/null
SELECT pg_temp.mk(401, 410);
\o
SELECT is(pingsvc.fold_rtt_buckets(interval '1 hour'), 0::bigint, 'first call folds nothing new ...');
SELECT is((SELECT pending_to FROM pingsvc.rtt_fold_state), 980410::bigint, '... and registers the largest trace id');
SELECT is(pingsvc.fold_rtt_buckets(interval '1 hour'), 0::bigint, 'before p_settle has passed, nothing is folded');
-- This transaction is still running, so its own registration is not due
-- (60_rtt_fold_concurrency.sql runs the steps in transactions of their
-- own): make it look like an earlier call's, ended two hours ago.
UPDATE pingsvc.rtt_fold_state
   SET pending_xid = '3'::xid8, pending_at = pending_at - interval '2 hours';
SELECT is(pingsvc.fold_rtt_buckets(interval '1 hour'), 10::bigint,
          'once the registering transaction has ended and p_settle passed, the traces are folded');
SELECT is((SELECT folded_to || ' ' || (pending_to IS NULL) FROM pingsvc.rtt_fold_state), '980410 true',
          'the watermark moved to them');
SELECT throws_ok($$SELECT pingsvc.fold_rtt_buckets(interval '-1 second')$$, '22023', NULL,
                 'a negative p_settle is refused');

-- Retention: raw results go, traces/hops/links/buckets stay ------------------------

CREATE TEMP TABLE t_old AS
SELECT date_trunc('day', now() - interval '200 days') AS d;
SELECT ok((SELECT count(*) FROM t_old, pingsvc.ensure_partitions(t_old.d, t_old.d)) >= 0, 'an old day''s partitions');
INSERT INTO pingsvc.results (ts, type, af, target, body, source, idem_key)
SELECT d + interval '1 hour', 'traceroute', 4, '198.51.100.170', '{"type":"traceroute"}', 'atlas', 'ret59' FROM t_old;
INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts)
SELECT 'atlas', 'ret59', result_id, ts FROM pingsvc.results WHERE idem_key = 'ret59';
INSERT INTO pingsvc.traces (trace_id, result_id, vantage, target, ts, proto, path, reached, reached_ttl)
SELECT 990001, r.result_id, 'rb-old', r.target, r.ts, 'icmp', '{192.0.2.161,198.51.100.170}', true, 2
  FROM pingsvc.results r WHERE r.idem_key = 'ret59';
INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
SELECT 990001, ts, 2, 0, '198.51.100.170', 12.5 FROM pingsvc.traces WHERE trace_id = 990001;
INSERT INTO pingsvc.links (near, far, first_seen, last_seen)
SELECT '192.0.2.168', '192.0.2.169', d, d FROM t_old;

SELECT ok((SELECT count(*) FROM pingsvc.maintain_partitions()) > 0, 'maintain_partitions runs');
SELECT ok(NOT EXISTS (SELECT 1 FROM pingsvc.partitions p, t_old WHERE p.parent = 'results' AND p.range_from = t_old.d)
          AND NOT EXISTS (SELECT 1 FROM pingsvc.result_keys WHERE idem_key = 'ret59'),
          'the old results partition and its keys are dropped');
SELECT is((SELECT count(*) FROM pingsvc.traces t JOIN pingsvc.hops h USING (trace_id, ts) WHERE t.trace_id = 990001)
          + (SELECT count(*) FROM pingsvc.links WHERE near = '192.0.2.168'), 2::bigint,
          'its trace, hop and the links stay (no retention on them)');

UPDATE pingsvc.partition_config SET retention = '30 days' WHERE parent IN ('traces', 'hops');
UPDATE pingsvc.rtt_fold_state SET pending_to = NULL, pending_xid = NULL, pending_at = NULL;
\o /dev/null
SELECT pingsvc.maintain_partitions();
\o
SELECT is((SELECT count(*) FROM pingsvc.traces WHERE trace_id = 990001), 1::bigint,
          'with a retention on traces, a partition whose trace is not folded yet is kept');
\o /dev/null
SELECT pingsvc.fold_rtt_buckets(NULL);
SELECT pingsvc.maintain_partitions();
\o
SELECT is((SELECT count(*) FROM pingsvc.partitions p, t_old
            WHERE p.parent IN ('traces', 'hops') AND p.range_from = t_old.d)
          || ' ' || (SELECT samples || ' ' || median_ms FROM pingsvc.rtt_buckets WHERE vantage = 'rb-old'),
          '0 1 12.5', 'once folded it is dropped, and its RTT bucket stays');

SELECT * FROM finish();
ROLLBACK;
