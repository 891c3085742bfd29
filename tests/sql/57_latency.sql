-- 57_latency.sql: migration 0008's rtt_summary() and link_delay_shifts() on
-- a small synthetic history written directly (traces, hops, link_rtt_daily):
-- buckets and percentiles, what counts as a sample, delay-shift detection
-- against a link's own history, argument checks, and the reading roles'
-- right to run both.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(27);

-- Surface --------------------------------------------------------------------

SELECT has_function('pingsvc', 'rtt_summary',
                    ARRAY['text', 'inet', 'timestamp with time zone', 'timestamp with time zone', 'interval'],
                    'pingsvc.rtt_summary(text, inet, timestamptz, timestamptz, interval) exists');
SELECT has_function('pingsvc', 'link_delay_shifts',
                    ARRAY['timestamp with time zone', 'integer', 'double precision'],
                    'pingsvc.link_delay_shifts(timestamptz, integer, double precision) exists');
SELECT volatility_is('pingsvc', 'rtt_summary',
                     ARRAY['text', 'inet', 'timestamp with time zone', 'timestamp with time zone', 'interval'],
                     'stable', 'rtt_summary is STABLE');
SELECT volatility_is('pingsvc', 'link_delay_shifts',
                     ARRAY['timestamp with time zone', 'integer', 'double precision'],
                     'stable', 'link_delay_shifts is STABLE');

-- Traces and hops --------------------------------------------------------------
-- Vantage lat-v1 to 192.0.2.77 (reached at TTL 3):
--   2025-10-01 10:00-11:00: 11 traces, destination rtt 2.5 * i ms (i = 1..11)
--   2025-10-01 11:00-12:00: 1 trace, destination probes 40, 50, 60 ms
--   2025-10-02 09:00-10:00: 1 trace, 70 ms (outside p_to for the hourly check)
-- Noise that must not count: TTL-2 hops (1000 ms), a probe at the reached
-- TTL from another address, an untimed destination reply, another vantage.

CREATE TEMP TABLE t_parts ON COMMIT DROP AS
SELECT * FROM pingsvc.ensure_partitions('2025-10-01', '2025-10-02');

INSERT INTO pingsvc.traces (trace_id, result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl)
SELECT 970000 + i, 970000 + i, 'lat-v1', '192.0.2.77',
       timestamptz '2025-10-01 10:00:00+00' + i * interval '4 minutes',
       'icmp', 1, '{192.0.2.1,192.0.2.2,192.0.2.77}', true, 3
  FROM generate_series(1, 11) AS i;
INSERT INTO pingsvc.traces (trace_id, result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl)
VALUES (970100, 970100, 'lat-v1', '192.0.2.77', '2025-10-01 11:30:00+00', 'icmp', 1,
        '{192.0.2.1,192.0.2.2,192.0.2.77}', true, 3),
       (970101, 970101, 'lat-v1', '192.0.2.77', '2025-10-02 09:30:00+00', 'icmp', 1,
        '{192.0.2.1,192.0.2.2,192.0.2.77}', true, 3),
       (970102, 970102, 'lat-v2', '192.0.2.77', '2025-10-01 10:30:00+00', 'icmp', 1,
        '{192.0.2.1,192.0.2.2,192.0.2.77}', true, 3);

INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
SELECT t.trace_id, t.ts, 3, 0, '192.0.2.77', 2.5 * (t.trace_id - 970000)
  FROM pingsvc.traces t
 WHERE t.trace_id BETWEEN 970001 AND 970011 AND t.ts >= '2025-10-01' AND t.ts < '2025-10-02';
INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
SELECT t.trace_id, t.ts, 2, 0, '192.0.2.2', 1000
  FROM pingsvc.traces t
 WHERE t.trace_id BETWEEN 970001 AND 970102 AND t.ts >= '2025-10-01' AND t.ts < '2025-10-03';
INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
VALUES (970100, '2025-10-01 11:30:00+00', 3, 0, '192.0.2.77', 40),
       (970100, '2025-10-01 11:30:00+00', 3, 1, '192.0.2.77', 50),
       (970100, '2025-10-01 11:30:00+00', 3, 2, '192.0.2.77', 60),
       (970001, '2025-10-01 10:04:00+00', 3, 1, '192.0.2.99', 500),
       (970002, '2025-10-01 10:08:00+00', 3, 1, '192.0.2.77', NULL),
       (970101, '2025-10-02 09:30:00+00', 3, 0, '192.0.2.77', 70),
       (970102, '2025-10-01 10:30:00+00', 3, 0, '192.0.2.77', 900);

-- rtt_summary ------------------------------------------------------------------

SELECT results_eq(
    $$SELECT bucket_start, samples, p10_ms, median_ms, p90_ms
        FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77', '2025-10-01 00:00+00', '2025-10-02 00:00+00')$$,
    $$VALUES (timestamptz '2025-10-01 10:00+00', 11::bigint, 5::float8, 15::float8, 25::float8),
             (timestamptz '2025-10-01 11:00+00', 3::bigint, 42::float8, 50::float8, 58::float8)$$,
    'hourly buckets: sample counts and exact percentiles of the destination''s timed replies');

SELECT results_eq(
    $$SELECT bucket_start, samples, median_ms
        FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77', '2025-10-01 00:00+00', '2025-10-03 00:00+00',
                                 interval '1 day')$$,
    $$VALUES (timestamptz '2025-10-01 00:00+00', 14::bigint, 18.75::float8),
             (timestamptz '2025-10-02 00:00+00', 1::bigint, 70::float8)$$,
    'daily buckets are UTC days and the range reaches the second day''s partition');

SELECT is((SELECT count(*) FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77',
                                                    '2025-10-01 10:30+00', '2025-10-01 11:00+00')),
          1::bigint, 'only traces inside [p_from, p_to) count');
SELECT is((SELECT samples FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77',
                                                   '2025-10-01 10:30+00', '2025-10-01 11:00+00')),
          4::bigint, 'half an hour holds the four traces of 10:32..10:44');
SELECT is((SELECT samples FROM pingsvc.rtt_summary('lat-v2', '192.0.2.77',
                                                   '2025-10-01 00:00+00', '2025-10-02 00:00+00')),
          1::bigint, 'another vantage has its own samples');
SELECT is_empty($$SELECT * FROM pingsvc.rtt_summary('lat-v1', '192.0.2.78',
                                                    '2025-10-01 00:00+00', '2025-10-02 00:00+00')$$,
                'no rows for a target without traces');

SELECT throws_ok($$SELECT * FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77', '2025-10-01', '2025-10-02', interval '0')$$,
                 '22023', 'rtt_summary: p_bucket must be a positive interval without months or years, got 00:00:00',
                 'a zero bucket is refused');
SELECT throws_ok($$SELECT * FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77', '2025-10-01', '2025-10-02', interval '-1 hour')$$,
                 '22023', NULL, 'a negative bucket is refused');
SELECT throws_ok($$SELECT * FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77', '2025-10-01', '2025-10-02', interval '1 month')$$,
                 '22023', NULL, 'a bucket in months is refused');
SELECT throws_ok($$SELECT * FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77', '2025-10-02', '2025-10-01')$$,
                 '22023', NULL, 'p_to before p_from is refused');

-- link_rtt_daily ---------------------------------------------------------------
-- Link A 198.51.100.1 -> .2: ten days around 5 ms, 25 ms on 2025-09-08.
-- Link B 198.51.100.3 -> .4: 5, 5, then 50 ms on its third day.

INSERT INTO pingsvc.link_rtt_daily (near, far, day, times_seen, rtt_diff_min_ms, rtt_diff_max_ms,
                                    rtt_diff_sum_ms, rtt_diff_count)
SELECT inet '198.51.100.1', inet '198.51.100.2', date '2025-08-31' + d::integer, 2, v, v, 2 * v, 2
  FROM unnest(ARRAY[5.0, 5.2, 4.9, 5.0, 5.1, 4.9, 5.0, 25.0, 5.0, 5.1]::float8[]) WITH ORDINALITY AS x(v, d)
UNION ALL
SELECT inet '198.51.100.3', inet '198.51.100.4', date '2025-08-31' + d::integer, 1, v, v, v, 1
  FROM unnest(ARRAY[5.0, 5.0, 50.0]::float8[]) WITH ORDINALITY AS x(v, d)
UNION ALL
-- a day without timed sightings is ignored
SELECT inet '198.51.100.1', inet '198.51.100.2', date '2025-09-11', 3, NULL, NULL, NULL, 0;

SELECT results_eq(
    $$SELECT near, far, day FROM pingsvc.link_delay_shifts('2025-09-01 00:00+00')
       WHERE near << '198.51.100.0/24'$$,
    $$VALUES (inet '198.51.100.1', inet '198.51.100.2', date '2025-09-08')$$,
    'the stable link is flagged on its jump day only; the short history flags nothing');
SELECT is((SELECT round(diff_ms::numeric, 6) FROM pingsvc.link_delay_shifts('2025-09-01') WHERE near = '198.51.100.1'),
          25.000000, 'diff_ms is the day''s mean RTT jump');
SELECT is((SELECT round(ref_median_ms::numeric, 6) FROM pingsvc.link_delay_shifts('2025-09-01') WHERE near = '198.51.100.1'),
          5.000000, 'ref_median_ms is the median of the seven earlier days');
SELECT is((SELECT round(ref_mad_ms::numeric, 6) FROM pingsvc.link_delay_shifts('2025-09-01') WHERE near = '198.51.100.1'),
          0.100000, 'ref_mad_ms is their median absolute deviation');
SELECT is((SELECT round(score::numeric, 6) FROM pingsvc.link_delay_shifts('2025-09-01') WHERE near = '198.51.100.1'),
          200.000000, 'score = |diff - median| / max(MAD, 0.1 ms)');
SELECT is_empty($$SELECT * FROM pingsvc.link_delay_shifts('2025-09-09') WHERE near << '198.51.100.0/24'$$,
                'days before p_since are not judged (but serve as history)');
SELECT results_eq(
    $$SELECT near, day FROM pingsvc.link_delay_shifts('2025-09-01', 2) WHERE near << '198.51.100.0/24'$$,
    $$VALUES (inet '198.51.100.1', date '2025-09-08'), (inet '198.51.100.3', date '2025-09-03')$$,
    'with p_min_days 2 the short link''s jump is judged and flagged');
SELECT is_empty($$SELECT * FROM pingsvc.link_delay_shifts('2025-09-01', 3, 1000) WHERE near << '198.51.100.0/24'$$,
                'a high threshold flags nothing');

SELECT throws_ok($$SELECT * FROM pingsvc.link_delay_shifts('2025-09-01', 0)$$,
                 '22023', 'link_delay_shifts: p_min_days must be at least 1, got 0',
                 'p_min_days < 1 is refused');
SELECT throws_ok($$SELECT * FROM pingsvc.link_delay_shifts('2025-09-01', 3, 0)$$,
                 '22023', NULL, 'a threshold <= 0 is refused');

-- The reading roles ------------------------------------------------------------

SELECT ok(has_function_privilege('pingsvc_viewer', 'pingsvc.rtt_summary(text, inet, timestamptz, timestamptz, interval)', 'EXECUTE')
          AND has_function_privilege('pingsvc_viewer', 'pingsvc.link_delay_shifts(timestamptz, integer, double precision)', 'EXECUTE'),
          'pingsvc_viewer may execute both');

SET LOCAL ROLE pingsvc_analyst;
SELECT is((SELECT sum(samples) FROM pingsvc.rtt_summary('lat-v1', '192.0.2.77', '2025-10-01', '2025-10-02')),
          14::numeric, 'pingsvc_analyst can run rtt_summary');
SELECT is((SELECT count(*) FROM pingsvc.link_delay_shifts('2025-09-01') WHERE near << '198.51.100.0/24'),
          1::bigint, 'pingsvc_analyst can run link_delay_shifts');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
