-- 63_pipeline_v4.sql: pipeline v4 (0018).  extract_results() then
-- derive_traces() gives the same rows and counts as process_results() on
-- the same results (compared table by table, run after run, with the
-- first run rolled back to a savepoint); the queue holds what waits and
-- detect = false for a GSS-stopped trace, which detection never sees;
-- extraction and derivation are idempotent (a trace is derived once);
-- derive_pending() drains the queue oldest first; a writer storing traces,
-- hops and queue rows itself (the gateway's COPY) gets them derived as
-- pingsvc_ingest, and the frontier may run derive_pending(); two sessions
-- deriving the same traces at once (dblink) derive them once, the second
-- without waiting.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;

SELECT plan(40);

-- Two sessions deriving the same traces at once: once, without waiting.
-- First, while this session holds no locks (the partitions it creates
-- below would make the other sessions' scans of traces and hops wait).
CREATE TEMP TABLE t_conn ON COMMIT DROP AS
SELECT format('host=%s port=%s dbname=%s user=%s',
              split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_database(), current_user) AS c;
\o /dev/null
SELECT dblink_connect('a63', c) FROM t_conn;
SELECT dblink_connect('b63', c) FROM t_conn;
SELECT dblink_exec('a63', $s$
    INSERT INTO pingsvc.allowed_ranges VALUES ('198.18.63.0/24', 'test-63') ON CONFLICT DO NOTHING;
    SELECT count(*) FROM pingsvc.ensure_partitions('2026-02-09', '2026-02-10');
    WITH t AS (
        INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl, source)
        SELECT 0, 'conc-63', '198.18.63.99', '2026-02-09 00:00+00'::timestamptz + i * interval '1 minute', 'icmp', 1,
               '{198.18.63.1,198.18.63.99}', true, 2, 'pingsvc'
          FROM generate_series(0, 3) AS i
        RETURNING trace_id, ts
    ), h AS (
        INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
        SELECT t.trace_id, t.ts, g.ttl, 0, ('{198.18.63.1,198.18.63.99}'::inet[])[g.ttl], g.ttl
          FROM t CROSS JOIN generate_series(1, 2) AS g(ttl)
    )
    INSERT INTO pingsvc.derive_queue (trace_id, ts) SELECT trace_id, ts FROM t
$s$);
SELECT dblink_exec('a63', 'BEGIN');
\o
SELECT is((SELECT n FROM dblink('a63', $q$SELECT traces FROM pingsvc.derive_traces(ARRAY(
               SELECT trace_id FROM pingsvc.traces WHERE vantage = 'conc-63'))$q$) AS r(n integer)),
          4, 'session a derives the four traces and keeps its transaction open');
SELECT is((SELECT n FROM dblink('b63', $q$SET lock_timeout = '5s';
                                        SELECT traces FROM pingsvc.derive_traces(ARRAY(
                                            SELECT trace_id FROM pingsvc.traces WHERE vantage = 'conc-63'))$q$)
                   AS r(n integer)),
          0, 'session b, given the same ids meanwhile, derives none of them and does not wait');
\o /dev/null
SELECT dblink_exec('a63', 'COMMIT');
\o
SELECT is((SELECT n FROM dblink('b63', $q$SELECT traces FROM pingsvc.derive_pending()$q$) AS r(n integer)),
          0, 'after a commits, nothing is left for b');
SELECT is((SELECT n FROM dblink('b63', $q$SELECT times_seen FROM pingsvc.links WHERE near = '198.18.63.1'$q$)
                   AS r(n bigint)),
          4::bigint, 'the link is counted once per trace');
\o /dev/null
SELECT dblink_exec('a63', $s$
    DELETE FROM pingsvc.flow_paths WHERE flow_id IN (SELECT flow_id FROM pingsvc.flows WHERE vantage = 'conc-63');
    DELETE FROM pingsvc.flows WHERE vantage = 'conc-63';
    DELETE FROM pingsvc.link_rtt_daily WHERE near = '198.18.63.1';
    DELETE FROM pingsvc.links WHERE near = '198.18.63.1';
    DELETE FROM pingsvc.targets WHERE address << '198.18.63.0/24';
    DELETE FROM pingsvc.hops WHERE trace_id IN (SELECT trace_id FROM pingsvc.traces WHERE vantage = 'conc-63');
    DELETE FROM pingsvc.traces WHERE vantage = 'conc-63';
    DELETE FROM pingsvc.allowed_ranges WHERE prefix = '198.18.63.0/24'
$s$);
SELECT dblink_disconnect('a63');
SELECT dblink_disconnect('b63');
\o

SELECT count(*) FROM pingsvc.ensure_partitions('2026-02-07', '2026-02-08') \gset
INSERT INTO pingsvc.allowed_ranges VALUES ('192.0.2.0/24', 'test') ON CONFLICT DO NOTHING;

-- add_trace: an Atlas traceroute from probe p_prb to p_dst, p_at minutes
-- past 2026-02-07 00:00 UTC, paris id 1; per TTL two replies from the
-- address (rtt n and n + 0.5), none for a NULL address; stop_reason p_stop.
CREATE FUNCTION pg_temp.add_trace(p_prb integer, p_dst text, p_at integer, p_hops text[], p_stop text)
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    SELECT timestamptz '2026-02-07 00:00:00+00' + p_at * interval '1 minute', 'traceroute', 4,
           p_dst::inet, 'atlas',
           jsonb_strip_nulls(jsonb_build_object(
               'type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', p_prb, 'dst_addr', p_dst,
               'paris_id', 1, 'stop_reason', p_stop,
               'result', (SELECT jsonb_agg(jsonb_build_object('hop', h.n, 'result',
                                     CASE WHEN h.a IS NULL
                                          THEN jsonb_build_array(jsonb_build_object('x', '*'), jsonb_build_object('x', '*'))
                                          ELSE jsonb_build_array(jsonb_build_object('from', h.a, 'rtt', h.n * 1.5 + p_at % 7),
                                                                 jsonb_build_object('from', h.a, 'rtt', h.n * 1.5 + 0.5)) END)
                                     ORDER BY h.n)
                            FROM unnest(p_hops) WITH ORDINALITY AS h(a, n))))
    RETURNING result_id;
$$;

-- A batch: flow 1 changes path (K = 2) with a `*` and a GSS-stopped trace
-- between; flow 2 steady; flow 3 seen only through a GSS-stopped trace.
CREATE TEMP TABLE t_batch ON COMMIT DROP AS
SELECT array_agg(id ORDER BY ord) AS ids FROM (
    SELECT pg_temp.add_trace(1, '203.0.113.63', 0, '{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.63}', NULL), 1
    UNION ALL SELECT pg_temp.add_trace(1, '203.0.113.63', 10, '{192.0.2.1,NULL,192.0.2.3,203.0.113.63}', NULL), 2
    UNION ALL SELECT pg_temp.add_trace(1, '203.0.113.63', 15, '{192.0.2.1,192.0.2.9}', 'GSS'), 3
    UNION ALL SELECT pg_temp.add_trace(1, '203.0.113.63', 20, '{192.0.2.1,192.0.2.4,192.0.2.3,203.0.113.63}', NULL), 4
    UNION ALL SELECT pg_temp.add_trace(1, '203.0.113.63', 30, '{192.0.2.1,192.0.2.4,192.0.2.3,203.0.113.63}', NULL), 5
    UNION ALL SELECT pg_temp.add_trace(1, '203.0.113.63', 40, '{192.0.2.1,192.0.2.4,192.0.2.3,203.0.113.63}', NULL), 6
    UNION ALL SELECT pg_temp.add_trace(2, '203.0.113.64', 5, '{192.0.2.11,192.0.2.12,203.0.113.64}', NULL), 7
    UNION ALL SELECT pg_temp.add_trace(2, '203.0.113.64', 25, '{192.0.2.11,192.0.2.12,203.0.113.64}', NULL), 8
    UNION ALL SELECT pg_temp.add_trace(3, '203.0.113.65', 5, '{192.0.2.21,192.0.2.22}', 'GSS'), 9
) AS r(id, ord);
GRANT SELECT ON t_batch TO PUBLIC;

-- digest: every row derivation writes, with ids replaced by what they
-- stand for (result ids, flow keys, ts), one text per table.
\ir include/digest.sql

-- Run 1: process_results, digested, then rolled back.
CREATE TEMP TABLE t_counts (run text PRIMARY KEY, traces int, hops int, links int, new_targets int,
                            route_changes int) ON COMMIT DROP;
GRANT SELECT, INSERT ON t_counts TO PUBLIC;
-- (pgTAP keeps its tallies in tables a rollback would undo, so the
-- checks come after it, on what the savepoint's run left in variables.)
SAVEPOINT before_v3;
INSERT INTO t_counts SELECT 'process', * FROM pingsvc.process_results((SELECT ids FROM t_batch));
SELECT pg_temp.digest('process');
SELECT (SELECT json_agg(d) FROM t_digest d)::text AS dig, (SELECT json_agg(c) FROM t_counts c)::text AS cnt,
       (SELECT count(*) FROM pingsvc.derive_queue) AS queued \gset
ROLLBACK TO SAVEPOINT before_v3;
INSERT INTO t_digest SELECT * FROM json_populate_recordset(NULL::t_digest, :'dig');
INSERT INTO t_counts SELECT * FROM json_populate_recordset(NULL::t_counts, :'cnt');
SELECT is(:queued::bigint, 0::bigint, 'process_results leaves nothing queued');
SELECT is((SELECT count(*) FROM t_digest WHERE run = 'process' AND rows IS NOT NULL), 8::bigint,
          'process_results wrote rows in all eight tables');

-- Run 2: the two stages.
SET LOCAL ROLE pingsvc_ingest;
SELECT results_eq($$SELECT * FROM pingsvc.extract_results((SELECT ids FROM t_batch))$$,
                  $$SELECT traces, hops FROM t_counts WHERE run = 'process'$$,
                  'extract_results stores as many traces and hop rows as process_results');
RESET ROLE;
SELECT is((SELECT count(*) FROM pingsvc.derive_queue), 9::bigint, 'every new trace is queued');
SELECT results_eq($$SELECT t.result_id FROM pingsvc.derive_queue q JOIN pingsvc.traces t USING (trace_id, ts)
                     WHERE NOT q.detect$$,
                  $$SELECT (SELECT ids FROM t_batch)[i] FROM unnest('{3,9}'::int[]) AS i$$,
                  'the GSS-stopped traces are queued with detect = false');
SELECT is((SELECT count(*) FROM pingsvc.links), 0::bigint, 'extraction derives nothing (no links yet)');
SELECT results_eq($$SELECT * FROM pingsvc.extract_results((SELECT ids FROM t_batch))$$,
                  $$VALUES (0, 0)$$, 'extract_results again stores nothing');
SELECT is((SELECT count(*) FROM pingsvc.derive_queue), 9::bigint, '... and queues nothing more');
SET LOCAL ROLE pingsvc_ingest;
INSERT INTO t_counts
SELECT 'stages', (SELECT count(*) FROM pingsvc.traces), (SELECT count(*) FROM pingsvc.hops), d.links,
       d.new_targets, d.route_changes
  FROM pingsvc.derive_traces(ARRAY(SELECT trace_id FROM pingsvc.derive_queue)) AS d
 WHERE d.traces = 9;
RESET ROLE;
SELECT results_eq($$SELECT traces, hops, links, new_targets, route_changes FROM t_counts WHERE run = 'stages'$$,
                  $$SELECT traces, hops, links, new_targets, route_changes FROM t_counts WHERE run = 'process'$$,
                  'derive_traces (as pingsvc_ingest) derives the nine traces with process_results'' counts');
SELECT pg_temp.digest('stages');
SELECT is((SELECT s.rows FROM t_digest s WHERE s.run = 'stages' AND s.tbl = p.tbl), p.rows,
          format('extract + derive writes the same %s as process_results', p.tbl))
  FROM t_digest p WHERE p.run = 'process' ORDER BY p.tbl;
SELECT is((SELECT count(*) FROM pingsvc.derive_queue), 0::bigint, 'the queue is empty once derived');
SELECT results_eq($$SELECT traces, changes, cur_path FROM pingsvc.flows WHERE target = '203.0.113.63'$$,
                  $$VALUES (5::bigint, 1::bigint, '{192.0.2.1,192.0.2.4,192.0.2.3,203.0.113.63}'::inet[])$$,
                  'detection saw the five full traces of flow 1, not the GSS-stopped one');
SELECT is((SELECT count(*) FROM pingsvc.flows WHERE target = '203.0.113.65'), 0::bigint,
          'a flow seen only through a GSS-stopped trace has no detection state');

-- Derived once.
SELECT results_eq($$SELECT * FROM pingsvc.derive_traces(ARRAY(SELECT trace_id FROM pingsvc.traces))$$,
                  $$VALUES (0, 0, 0, 0)$$, 'derive_traces of derived traces derives nothing');
DELETE FROM t_digest WHERE run = 'stages';
SELECT pg_temp.digest('stages');
SELECT is((SELECT string_agg(rows, '' ORDER BY tbl) FROM t_digest WHERE run = 'stages'),
          (SELECT string_agg(rows, '' ORDER BY tbl) FROM t_digest WHERE run = 'process'),
          '... and changes no row (links are not counted twice)');
SELECT results_eq($$SELECT * FROM pingsvc.derive_traces('{}')$$, $$VALUES (0, 0, 0, 0)$$,
                  'derive_traces of no ids derives nothing');
SELECT results_eq($$SELECT * FROM pingsvc.process_results((SELECT ids FROM t_batch))$$,
                  $$VALUES (0, 0, 0, 0, 0)$$, 'process_results of the extracted results changes nothing');

-- derive_pending drains the queue oldest first.
CREATE TEMP TABLE t_more ON COMMIT DROP AS
SELECT array_agg(pg_temp.add_trace(1, '203.0.113.63', 50 + 10 * i,
                                   '{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.63}', NULL) ORDER BY i) AS ids
  FROM generate_series(0, 4) AS i;
GRANT SELECT ON t_more TO PUBLIC;
SELECT results_eq($$SELECT * FROM pingsvc.extract_results((SELECT ids FROM t_more))$$,
                  $$VALUES (5, 40)$$, 'five more traces extracted');
UPDATE pingsvc.derive_queue q SET queued_at = '2026-02-07 01:00+00'::timestamptz + (q.ts - '2026-02-07 00:00+00');
SELECT results_eq($$SELECT traces, route_changes FROM pingsvc.derive_pending(2)$$,
                  $$VALUES (2, 1)$$, 'derive_pending(2) derives the two oldest (and the change back)');
SELECT results_eq($$SELECT t.ts FROM pingsvc.derive_queue q JOIN pingsvc.traces t USING (trace_id, ts) ORDER BY 1$$,
                  $$SELECT '2026-02-07 00:00+00'::timestamptz + m * interval '1 minute' FROM unnest('{70,80,90}'::int[]) AS m$$,
                  '... the three newest are still queued');
SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT traces FROM pingsvc.derive_pending()$$, $$VALUES (3)$$,
                  'the frontier may run derive_pending(), which takes the rest');
RESET ROLE;
SELECT results_eq($$SELECT * FROM pingsvc.derive_pending()$$, $$VALUES (0, 0, 0, 0)$$,
                  'derive_pending on an empty queue derives nothing');
SELECT results_eq($$SELECT traces, cur_traces, changes FROM pingsvc.flows WHERE target = '203.0.113.63'$$,
                  $$VALUES (10::bigint, 5::bigint, 2::bigint)$$,
                  'flow 1 saw every full trace once, in order');
-- The last three traces took the set-based fast path (identical to the
-- current path, no candidate): the state is what folding the flow's whole
-- history from scratch gives.
SELECT is((SELECT ROW(f.first_seen, f.last_ts, f.traces, f.late_traces, f.cur_path, f.cur_reached_ttl,
                      f.cur_since, f.cur_last_at, f.cur_traces, f.traces_since_change, f.cand_path,
                      f.cand_traces, f.changes, f.transients, f.last_transient_at)::text
             FROM pingsvc.flows f WHERE f.target = '203.0.113.63'),
          (SELECT ROW((r.o_flow).first_seen, (r.o_flow).last_ts, (r.o_flow).traces, (r.o_flow).late_traces,
                      (r.o_flow).cur_path, (r.o_flow).cur_reached_ttl, (r.o_flow).cur_since,
                      (r.o_flow).cur_last_at, (r.o_flow).cur_traces, (r.o_flow).traces_since_change,
                      (r.o_flow).cand_path, (r.o_flow).cand_traces, (r.o_flow).changes,
                      (r.o_flow).transients, (r.o_flow).last_transient_at)::text
             FROM pingsvc.fold_flow_v2(NULL,
                      ARRAY(SELECT ROW(t.trace_id, t.ts, t.path, t.reached_ttl)::pingsvc.route_step
                              FROM pingsvc.traces t
                             WHERE t.target = '203.0.113.63' AND t.hop_count = 4
                             ORDER BY t.ts, t.trace_id), 2) AS r),
          'flow 1 after the fast path equals fold_flow_v2 over its whole history');
SELECT results_eq($$SELECT p.last_seen, p.traces, p.path FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)
                     WHERE f.target = '203.0.113.63' AND p.valid_to IS NULL$$,
                  $$SELECT cur_last_at, cur_traces, cur_path FROM pingsvc.flows WHERE target = '203.0.113.63'$$,
                  'its open flow_paths row follows the fast path');
SELECT throws_ok('SELECT * FROM pingsvc.derive_pending(0)', '22023', NULL,
                 'derive_pending refuses a limit below 1');

-- A writer storing rows itself (the gateway's COPY), as pingsvc_ingest.
SET LOCAL ROLE pingsvc_ingest;
WITH t AS (
    INSERT INTO pingsvc.traces (trace_id, result_id, vantage, target, ts, proto, paris_id, path, reached,
                                reached_ttl, source)
    VALUES (nextval('pingsvc.traces_trace_id_seq'), 0, 'gw-63', '203.0.113.66', '2026-02-07 02:00+00', 'icmp', 7,
            '{192.0.2.31,192.0.2.32,203.0.113.66}', true, 3, 'pingsvc'),
           -- far from the other id: derive_traces reads them one by one
           (nextval('pingsvc.traces_trace_id_seq') + 1000, 0, 'gw-63', '203.0.113.66', '2026-02-07 02:10+00', 'icmp', 7,
            '{192.0.2.31,192.0.2.32}', false, NULL, 'pingsvc')
    RETURNING trace_id, ts, reached
), h AS (
    INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
    SELECT t.trace_id, t.ts, g.ttl, 0, a.address, g.ttl * 2.0
      FROM t
      CROSS JOIN LATERAL generate_series(1, CASE WHEN t.reached THEN 3 ELSE 2 END) AS g(ttl)
      CROSS JOIN LATERAL (SELECT ('{192.0.2.31,192.0.2.32,203.0.113.66}'::inet[])[g.ttl] AS address) AS a
)
INSERT INTO pingsvc.derive_queue (trace_id, ts, detect)
SELECT t.trace_id, t.ts, t.reached FROM t;
SELECT results_eq($$SELECT traces, links, route_changes
                      FROM pingsvc.derive_traces(ARRAY(SELECT trace_id FROM pingsvc.derive_queue))$$,
                  $$VALUES (2, 2, 0)$$, 'rows stored by the writer itself, ids far apart, are derived (detect false kept out)');
RESET ROLE;
SELECT results_eq($$SELECT times_seen, rtt_diff_sum_ms FROM pingsvc.links WHERE near = '192.0.2.31'$$,
                  $$VALUES (2::bigint, 4.0::double precision)$$,
                  'its links count both traces, with the RTT jumps of the hop rows');
SELECT results_eq($$SELECT traces FROM pingsvc.flows WHERE vantage = 'gw-63'$$, $$VALUES (1::bigint)$$,
                  'detection saw only the trace queued with detect = true');

SELECT * FROM finish();
ROLLBACK;
