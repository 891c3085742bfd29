-- 61_gss_stop.sql: a traceroute that stopped at a global stop-set hop
-- ("stop_reason": "GSS", Doubletree) is a partial observation: its trace,
-- hops, links and hop feedback are stored, but route history and change
-- detection never see it -- no flow state, no flow_paths row, no route
-- change, no 'destination lost' -- even with K = 1, where any other
-- differing trace would make a change at once.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(12);

SELECT count(*) FROM pingsvc.ensure_partitions('2026-01-05', '2026-01-06') \gset
INSERT INTO pingsvc.allowed_ranges VALUES ('192.0.2.0/24', 'test') ON CONFLICT DO NOTHING;
UPDATE pingsvc.settings SET value = '1' WHERE name = 'route_change_k';

-- add_trace: an Atlas traceroute from probe 1 to p_dst, p_at minutes past
-- 2026-01-05 00:00 UTC, one reply per TTL, stop_reason p_stop (NULL: none).
CREATE FUNCTION pg_temp.add_trace(p_dst text, p_at integer, p_hops text[], p_stop text)
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    SELECT timestamptz '2026-01-05 00:00:00+00' + p_at * interval '1 minute', 'traceroute', 4,
           p_dst::inet, 'atlas',
           jsonb_strip_nulls(jsonb_build_object(
               'type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', 1, 'dst_addr', p_dst,
               'paris_id', 1, 'stop_reason', p_stop,
               'timestamp', extract(epoch FROM timestamptz '2026-01-05 00:00:00+00'
                                              + p_at * interval '1 minute')::bigint,
               'result', (SELECT jsonb_agg(jsonb_build_object('hop', h.n, 'result',
                                     jsonb_build_array(jsonb_build_object('from', h.a, 'rtt', h.n)))
                                     ORDER BY h.n)
                            FROM unnest(p_hops) WITH ORDINALITY AS h(a, n))))
    RETURNING result_id;
$$;

-- One batch: full, GSS-stopped shorter, full.
SELECT results_eq(
    $$SELECT traces, route_changes FROM pingsvc.process_results(ARRAY[
          pg_temp.add_trace('203.0.113.61', 0, '{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.61}', NULL),
          pg_temp.add_trace('203.0.113.61', 10, '{192.0.2.1,192.0.2.9}', 'GSS'),
          pg_temp.add_trace('203.0.113.61', 20, '{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.61}', NULL)])$$,
    $$VALUES (3, 0)$$,
    'one batch: a GSS-stopped trace between two full ones is stored and makes no change');
SELECT is((SELECT count(*) FROM pingsvc.traces WHERE target = '203.0.113.61'), 3::bigint,
          'the GSS-stopped trace has its trace row');
SELECT is((SELECT count(*) FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
            WHERE t.target = '203.0.113.61' AND t.ts = '2026-01-05 00:10:00+00'), 2::bigint,
          'the GSS-stopped trace has its hops');
SELECT is((SELECT times_seen FROM pingsvc.links WHERE near = '192.0.2.1' AND far = '192.0.2.9'), 1::bigint,
          'the GSS-stopped trace has its links');
SELECT is((SELECT source FROM pingsvc.targets WHERE address = '192.0.2.9'), 'hop',
          'hop feedback takes the GSS-stopped trace''s hops');
SELECT results_eq($$SELECT traces, cur_traces, transients, changes, cand_path IS NULL
                      FROM pingsvc.flows WHERE target = '203.0.113.61'$$,
                  $$VALUES (2::bigint, 2::bigint, 0::bigint, 0::bigint, true)$$,
                  'detection saw only the two full traces');

-- Batches of their own: a GSS trace alone, then a full one.
SELECT results_eq(
    $$SELECT traces, route_changes FROM pingsvc.process_results(ARRAY[
          pg_temp.add_trace('203.0.113.61', 30, '{192.0.2.1}', 'GSS')])$$,
    $$VALUES (1, 0)$$, 'a batch of one GSS-stopped trace: stored, no change');
SELECT results_eq(
    $$SELECT traces, route_changes FROM pingsvc.process_results(ARRAY[
          pg_temp.add_trace('203.0.113.61', 40, '{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.61}', NULL)])$$,
    $$VALUES (1, 0)$$, 'the next full trace: no change');
SELECT is((SELECT count(*) FROM pingsvc.route_changes WHERE target = '203.0.113.61'), 0::bigint,
          'no route change (no destination lost) for the flow');
SELECT results_eq($$SELECT count(*), max(p.traces), bool_and(p.valid_to IS NULL)
                      FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)
                     WHERE f.target = '203.0.113.61'$$,
                  $$VALUES (1::bigint, 3::bigint, true)$$,
                  'flow_paths: one open path over the three full traces');

-- A flow seen only through GSS-stopped traces has no route history.
SELECT results_eq(
    $$SELECT traces, route_changes FROM pingsvc.process_results(ARRAY[
          pg_temp.add_trace('203.0.113.62', 0, '{192.0.2.1,192.0.2.2}', 'GSS'),
          pg_temp.add_trace('203.0.113.62', 10, '{192.0.2.1}', 'GSS')])$$,
    $$VALUES (2, 0)$$, 'only GSS-stopped traces: stored, no change');
SELECT is((SELECT count(*) FROM pingsvc.flows WHERE target = '203.0.113.62'), 0::bigint,
          'only GSS-stopped traces: no flow state');

SELECT * FROM finish();
ROLLBACK;
