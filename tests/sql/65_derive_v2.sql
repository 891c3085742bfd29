-- 65_derive_v2.sql: derive_traces() version 2 (0022) writes exactly what
-- version 1 (derive_traces.sql, loaded here under another name) writes:
-- the same rows in links, link_rtt_daily, targets, flows, flow_paths and
-- route_changes and the same counts, on a synthetic history (the
-- benchmark's generator: route changes, ECMP alternation, `*`, unreached
-- targets, three probes per TTL) plus traces with a routing loop (a link
-- twice in one trace), untimed replies, an off-path responder, links seen
-- on two UTC days in one batch and a GSS-stopped trace; derived in two
-- calls, the first with scattered ids, the second dense.  Run 1 (version
-- 1) is rolled back to a savepoint after its rows are digested.  Also:
-- the queue is taken whatever its statistics say (analysed empty), and
-- detect_routes() refuses arrays of different lengths.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(16);

\set pairs 60
\set traces 12
\set spare 4
\o /dev/null
\ir ../bench/sql.d/generate.sql
\o

-- Version 1, as landed, under another name.
\set v1_src `sed 's/pingsvc\.derive_traces(/pg_temp.derive_traces_v1(/g' "${PINGSVC_ROOT:-.}/sql/functions/derive_traces.sql"`
\o /dev/null
SELECT :'v1_src' \gexec
\o

-- Two more rounds of every pair, extracted (queued, not derived).
INSERT INTO pingsvc.results (ts, type, af, target, body, source)
SELECT pg_temp.b_ts(p, i), 'traceroute', 4, pg_temp.b_target(p), pg_temp.b_body(p, i), 'atlas'
  FROM generate_series(:traces, :traces + 1) AS i, generate_series(0, :pairs - 1) AS p;
SELECT is((SELECT e.traces FROM pingsvc.extract_results(ARRAY(SELECT result_id FROM pingsvc.results)) AS e),
          2 * :pairs, 'two rounds extracted and queued');

-- Corner cases, stored as the gateway stores them (traces, hops, queue):
-- a loop (11.250.0.1 -> 11.250.0.2 twice), an untimed reply, an off-path
-- responder at TTL 2, the same link on both sides of a UTC midnight, and a
-- GSS-stopped trace (detect = false).
SELECT count(*) FROM pingsvc.ensure_partitions(date_trunc('day', now()) - interval '2 days',
                                               now() + interval '1 day') \gset
CREATE TEMP TABLE t_corner (k int, ts timestamptz, path inet[], detect boolean) ON COMMIT DROP;
INSERT INTO t_corner VALUES
    (1, date_trunc('day', now()) - interval '1 minute',
     '{11.250.0.1,11.250.0.2,11.250.0.1,11.250.0.2,11.250.0.9}', true),
    (2, date_trunc('day', now()) + interval '1 minute',
     '{11.250.0.1,11.250.0.2,11.250.0.1,11.250.0.2,11.250.0.9}', true),
    (3, date_trunc('day', now()) - interval '2 minutes', '{11.250.0.1,NULL,11.250.0.3,11.250.0.9}', true),
    (4, date_trunc('day', now()) + interval '2 minutes', '{11.250.0.1,11.250.0.4}', false);
WITH t AS (
    INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl, source)
    SELECT 0, 'corner-65', '11.250.0.9', c.ts, 'icmp', 7, c.path, c.path[cardinality(c.path)] IS NOT NULL,
           CASE WHEN c.path[cardinality(c.path)] IS NOT NULL THEN cardinality(c.path) END, 'pingsvc'
      FROM t_corner c
    RETURNING trace_id, ts, path
), h AS (
    INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
    SELECT t.trace_id, t.ts, g.ttl, p.probe, t.path[g.ttl],
           CASE WHEN g.ttl = 2 AND p.probe = 0 THEN NULL ELSE g.ttl * 2.5 + p.probe END
      FROM t
      CROSS JOIN generate_series(1, cardinality(t.path)) AS g(ttl)
      CROSS JOIN generate_series(0, 1) AS p(probe)
     WHERE t.path[g.ttl] IS NOT NULL
    UNION ALL
    SELECT t.trace_id, t.ts, 2, 2, '11.250.0.7', 9.0 FROM t
)
INSERT INTO pingsvc.derive_queue (trace_id, ts, detect)
SELECT t.trace_id, t.ts, c.detect FROM t JOIN t_corner c USING (ts);

-- The queue analysed while empty would have misled version 1's plan;
-- version 2 must take the batch all the same (and quickly, see the
-- benchmark).
SELECT count(*) AS queued FROM pingsvc.derive_queue \gset

\ir include/digest.sql
CREATE TEMP TABLE t_counts (run text, call int, traces int, links int, new_targets int, route_changes int,
                            PRIMARY KEY (run, call)) ON COMMIT DROP;
GRANT SELECT, INSERT ON t_counts TO PUBLIC;

-- The two calls: every fifth queued trace (scattered ids), then the rest.
CREATE TEMP TABLE t_calls ON COMMIT DROP AS
SELECT 1 AS call, array_agg(trace_id ORDER BY trace_id) AS ids
  FROM (SELECT trace_id, row_number() OVER (ORDER BY trace_id) AS n FROM pingsvc.derive_queue) AS q
 WHERE n % 5 = 0
UNION ALL
SELECT 2, array_agg(trace_id ORDER BY trace_id)
  FROM (SELECT trace_id, row_number() OVER (ORDER BY trace_id) AS n FROM pingsvc.derive_queue) AS q
 WHERE n % 5 <> 0;
GRANT SELECT ON t_calls TO PUBLIC;
ANALYZE pingsvc.links, pingsvc.targets;

-- Run 1: version 1, digested, then rolled back.
SAVEPOINT before_v1;
INSERT INTO t_counts SELECT 'v1', 1, d.* FROM pg_temp.derive_traces_v1((SELECT ids FROM t_calls WHERE call = 1)) AS d;
INSERT INTO t_counts SELECT 'v1', 2, d.* FROM pg_temp.derive_traces_v1((SELECT ids FROM t_calls WHERE call = 2)) AS d;
SELECT pg_temp.digest('v1');
SELECT (SELECT json_agg(d) FROM t_digest d)::text AS dig, (SELECT json_agg(c) FROM t_counts c)::text AS cnt \gset
ROLLBACK TO SAVEPOINT before_v1;
INSERT INTO t_digest SELECT * FROM json_populate_recordset(NULL::t_digest, :'dig');
INSERT INTO t_counts SELECT * FROM json_populate_recordset(NULL::t_counts, :'cnt');

-- Run 2: version 2, the queue's statistics those of an empty table.
CREATE TEMP TABLE t_hold ON COMMIT DROP AS SELECT * FROM pingsvc.derive_queue;
DELETE FROM pingsvc.derive_queue;
ANALYZE pingsvc.derive_queue;
INSERT INTO pingsvc.derive_queue SELECT * FROM t_hold;
SET LOCAL ROLE pingsvc_ingest;
INSERT INTO t_counts SELECT 'v2', 1, d.* FROM pingsvc.derive_traces((SELECT ids FROM t_calls WHERE call = 1)) AS d;
INSERT INTO t_counts SELECT 'v2', 2, d.* FROM pingsvc.derive_traces((SELECT ids FROM t_calls WHERE call = 2)) AS d;
RESET ROLE;
SELECT pg_temp.digest('v2');

SELECT results_eq($$SELECT call, traces, links, new_targets, route_changes FROM t_counts WHERE run = 'v2' ORDER BY call$$,
                  $$SELECT call, traces, links, new_targets, route_changes FROM t_counts WHERE run = 'v1' ORDER BY call$$,
                  'version 2 returns version 1''s counts, call by call');
SELECT is((SELECT sum(traces) FROM t_counts WHERE run = 'v2'), :queued::bigint, 'every queued trace derived once');
SELECT is((SELECT s.rows FROM t_digest s WHERE s.run = 'v2' AND s.tbl = p.tbl), p.rows,
          format('version 2 writes the same %s as version 1', p.tbl))
  FROM t_digest p WHERE p.run = 'v1' ORDER BY p.tbl;
SELECT is((SELECT count(*) FROM t_digest WHERE run = 'v1' AND rows IS NOT NULL), 8::bigint,
          'version 1 wrote rows in all eight digested tables (the comparison is not empty)');
SELECT is((SELECT count(*) FROM pingsvc.derive_queue), 0::bigint, 'version 2 leaves the queue empty');
SELECT results_eq($$SELECT times_seen, rtt_diff_count FROM pingsvc.links
                     WHERE near = '11.250.0.1' AND far = '11.250.0.2'$$,
                  $$VALUES (2::bigint, 2::bigint)$$,
                  'a link twice in one trace (a loop) counts once per trace');
SELECT results_eq($$SELECT day - (now() AT TIME ZONE 'UTC')::date, times_seen FROM pingsvc.link_rtt_daily
                     WHERE near = '11.250.0.1' AND far = '11.250.0.2' ORDER BY day$$,
                  $$VALUES (-1, 1::bigint), (0, 1::bigint)$$,
                  'a batch spanning a UTC midnight adds to both days');

SELECT throws_ok($$SELECT pingsvc.detect_routes('{x}', '{192.0.2.9}', '{icmp}', '{}',
                                                 ARRAY[ROW(1, now(), '{192.0.2.1}'::inet[], NULL)::pingsvc.route_step])$$,
                 '22023', NULL, 'detect_routes refuses arrays of different lengths');

SELECT * FROM finish();
ROLLBACK;
