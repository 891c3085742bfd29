-- 53_route_detection.sql: route-change detection beyond the shared
-- vectors: `*` gaps, ECMP across paris ids, transients, K from settings,
-- traces arriving unordered within a batch and late across batches,
-- path_diff() cases, the NOTIFY and the per-flow lock.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(25);

-- add_trace: store an Atlas traceroute from probe p_prb to p_dst at p_at
-- minutes past 2026-01-05 00:00 UTC, one reply per TTL ('*' = timeout);
-- returns its result_id.
SELECT count(*) FROM pingsvc.ensure_partitions('2026-01-05', '2026-01-06') \gset
CREATE FUNCTION pg_temp.add_trace(p_prb integer, p_dst text, p_paris integer, p_at integer, p_hops text[])
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    SELECT timestamptz '2026-01-05 00:00:00+00' + p_at * interval '1 minute', 'traceroute', 4, p_dst::inet, 'atlas',
           jsonb_build_object('type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', p_prb,
                              'dst_addr', p_dst, 'paris_id', p_paris,
                              'timestamp', extract(epoch FROM timestamptz '2026-01-05 00:00:00+00'
                                                             + p_at * interval '1 minute')::bigint,
                              'result', (SELECT jsonb_agg(jsonb_build_object('hop', h.n, 'result',
                                                CASE WHEN h.a = '*' THEN '[{"x": "*"}, {"x": "*"}]'::jsonb
                                                     ELSE jsonb_build_array(jsonb_build_object('from', h.a, 'rtt', h.n)) END)
                                                ORDER BY h.n)
                                           FROM unnest(p_hops) WITH ORDINALITY AS h(a, n)))
    RETURNING result_id;
$$;
-- run: process the given results in one batch; returns the changes found.
CREATE FUNCTION pg_temp.run(p_ids bigint[])
RETURNS integer
LANGUAGE sql AS $$ SELECT route_changes FROM pingsvc.process_results(p_ids) $$;
CREATE FUNCTION pg_temp.changes(p_dst text)
RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM pingsvc.route_changes WHERE target = p_dst::inet $$;

-- `*` gaps: silent hops never make a change.
SELECT is(pg_temp.run(ARRAY[
          pg_temp.add_trace(1, '203.0.113.1', 1, 0, '{192.0.2.1,192.0.2.2,203.0.113.1}'),
          pg_temp.add_trace(1, '203.0.113.1', 1, 10, '{192.0.2.1,*,203.0.113.1}'),
          pg_temp.add_trace(1, '203.0.113.1', 1, 20, '{*,192.0.2.2,203.0.113.1}'),
          pg_temp.add_trace(1, '203.0.113.1', 1, 30, '{*,*,203.0.113.1}'),
          pg_temp.add_trace(1, '203.0.113.1', 1, 40, '{192.0.2.1,192.0.2.2,203.0.113.1}')]), 0,
          '* gaps: no change');
SELECT is((SELECT cur_path FROM pingsvc.flows WHERE target = '203.0.113.1'),
          '{192.0.2.1,192.0.2.2,203.0.113.1}'::inet[], '* gaps: the current path keeps the addresses');

-- ECMP: two paris ids alternating between two paths.
SELECT is(pg_temp.run(ARRAY(SELECT pg_temp.add_trace(1, '203.0.113.2', 1 + i % 2, i * 10,
                                                     CASE i % 2 WHEN 0 THEN '{192.0.2.1,192.0.2.10,203.0.113.2}'
                                                                ELSE '{192.0.2.1,192.0.2.20,203.0.113.2}' END::text[])
                              FROM generate_series(0, 7) AS i)), 0,
          'ECMP alternation across paris ids: no change');
SELECT is((SELECT count(*) FROM pingsvc.flows WHERE target = '203.0.113.2'), 2::bigint,
          'ECMP: one flow per paris id');

-- A one-trace transient, then a second candidate replacing the first.
SELECT is(pg_temp.run(ARRAY[
          pg_temp.add_trace(1, '203.0.113.3', 1, 0, '{192.0.2.1,192.0.2.2,203.0.113.3}'),
          pg_temp.add_trace(1, '203.0.113.3', 1, 10, '{192.0.2.1,192.0.2.2,203.0.113.3}'),
          pg_temp.add_trace(1, '203.0.113.3', 1, 20, '{192.0.2.1,192.0.2.99,203.0.113.3}'),
          pg_temp.add_trace(1, '203.0.113.3', 1, 30, '{192.0.2.1,192.0.2.2,203.0.113.3}'),
          pg_temp.add_trace(1, '203.0.113.3', 1, 40, '{192.0.2.1,192.0.2.98,203.0.113.3}'),
          pg_temp.add_trace(1, '203.0.113.3', 1, 50, '{192.0.2.1,192.0.2.97,203.0.113.3}'),
          pg_temp.add_trace(1, '203.0.113.3', 1, 60, '{192.0.2.1,192.0.2.2,203.0.113.3}')]), 0,
          'transients: no change');
SELECT results_eq($$SELECT transients, changes, cand_traces FROM pingsvc.flows WHERE target = '203.0.113.3'$$,
                  $$VALUES (3::bigint, 0::bigint, 0)$$, 'transients: three abandoned candidates counted');

-- Unordered within a batch: detection follows ts, not insertion order.
SELECT is(pg_temp.run(ARRAY[
          pg_temp.add_trace(1, '203.0.113.4', 1, 30, '{192.0.2.1,192.0.2.5,203.0.113.4}'),
          pg_temp.add_trace(1, '203.0.113.4', 1, 0, '{192.0.2.1,192.0.2.2,203.0.113.4}'),
          pg_temp.add_trace(1, '203.0.113.4', 1, 20, '{192.0.2.1,192.0.2.5,203.0.113.4}'),
          pg_temp.add_trace(1, '203.0.113.4', 1, 10, '{192.0.2.1,192.0.2.2,203.0.113.4}')]), 1,
          'unordered batch: one change');
SELECT results_eq($$SELECT detected_at, last_old_at, diverge_ttl, rejoin_ttl, kind, changed_hops
                      FROM pingsvc.route_changes WHERE target = '203.0.113.4'$$,
                  $$VALUES ('2026-01-05 00:20:00+00'::timestamptz, '2026-01-05 00:10:00+00'::timestamptz,
                            2::smallint, 3::smallint, 'hop', '{192.0.2.5}'::inet[])$$,
                  'unordered batch: detected_at is the first trace on the new path, last_old_at the last on the old');

-- Late across batches: stored, not fed to detection.
SELECT is(pg_temp.run(ARRAY[pg_temp.add_trace(1, '203.0.113.4', 1, 5, '{192.0.2.1,192.0.2.77,203.0.113.4}')]), 0,
          'late trace: no change');
SELECT results_eq($$SELECT late_traces, traces FROM pingsvc.flows WHERE target = '203.0.113.4'$$,
                  $$VALUES (1::bigint, 4::bigint)$$, 'late trace: counted as late, not as fed');
SELECT is((SELECT count(*) FROM pingsvc.traces WHERE target = '203.0.113.4'), 5::bigint,
          'late trace: still stored as a trace');

-- K from settings.
UPDATE pingsvc.settings SET value = '3' WHERE name = 'route_change_k';
SELECT is(pg_temp.run(ARRAY[
          pg_temp.add_trace(1, '203.0.113.6', 1, 0, '{192.0.2.1,192.0.2.2,203.0.113.6}'),
          pg_temp.add_trace(1, '203.0.113.6', 1, 10, '{192.0.2.1,192.0.2.8,203.0.113.6}'),
          pg_temp.add_trace(1, '203.0.113.6', 1, 20, '{192.0.2.1,192.0.2.8,203.0.113.6}')]), 0,
          'K = 3: two confirming traces are not enough');
SELECT is(pg_temp.run(ARRAY[pg_temp.add_trace(1, '203.0.113.6', 1, 30, '{192.0.2.1,192.0.2.8,203.0.113.6}')]), 1,
          'K = 3: the third makes the change (across batches)');
SELECT is((SELECT detected_at FROM pingsvc.route_changes WHERE target = '203.0.113.6'),
          '2026-01-05 00:10:00+00'::timestamptz, 'K = 3: detected_at is still the first trace on the new path');
UPDATE pingsvc.settings SET value = '2' WHERE name = 'route_change_k';
SELECT throws_ok($$UPDATE pingsvc.settings SET value = '0' WHERE name = 'route_change_k'$$, '23514', NULL,
                 'K must be a positive integer');

-- path_diff cases.
SELECT results_eq($$SELECT * FROM pingsvc.path_diff('{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.9}', 4::smallint,
                                                     '{192.0.2.1,192.0.2.3,203.0.113.9}', 3::smallint)$$,
                  $$VALUES (2::smallint, 2::smallint, 'length', NULL::inet[])$$,
                  'path_diff: a removed hop rejoins at the divergence, kind length');
SELECT results_eq($$SELECT * FROM pingsvc.path_diff('{192.0.2.1,192.0.2.3,203.0.113.9}', 3::smallint,
                                                     '{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.9}', 4::smallint)$$,
                  $$VALUES (2::smallint, 3::smallint, 'length', '{192.0.2.2}'::inet[])$$,
                  'path_diff: an added hop, rejoin counted on the new path');
SELECT results_eq($$SELECT * FROM pingsvc.path_diff('{192.0.2.1,192.0.2.2,192.0.2.3}', NULL::smallint,
                                                     '{192.0.2.1,192.0.2.4,192.0.2.5}', NULL::smallint)$$,
                  $$VALUES (2::smallint, NULL::smallint, 'hop', '{192.0.2.4,192.0.2.5}'::inet[])$$,
                  'path_diff: never rejoining, neither reached');
SELECT results_eq($$SELECT * FROM pingsvc.path_diff('{192.0.2.1,NULL,NULL}', NULL::smallint,
                                                     '{192.0.2.1,192.0.2.2,203.0.113.9}', 3::smallint)$$,
                  $$VALUES (3::smallint, NULL::smallint, 'reachability', '{203.0.113.9}'::inet[])$$,
                  'path_diff: reached again, diverging where the destination answers, no shared address after it');
SELECT ok(pingsvc.paths_match('{192.0.2.1,NULL,192.0.2.3}', 3::smallint, '{NULL,192.0.2.2,192.0.2.3}', 3::smallint),
          'paths_match: * matches anything');
SELECT ok(NOT pingsvc.paths_match('{192.0.2.1,192.0.2.2}', NULL, '{192.0.2.1,192.0.2.2,203.0.113.9}', 3::smallint),
          'paths_match: reached and not reached do not match');

-- NOTIFY and locking are in the derivation stage, which process_results
-- calls since version 4 (0018).
SELECT ok((SELECT prosrc FROM pg_proc WHERE oid = 'pingsvc.process_results(bigint[])'::regprocedure)
          LIKE '%pingsvc.derive_traces(%'
          AND (SELECT prosrc FROM pg_proc WHERE oid = 'pingsvc.derive_traces(bigint[])'::regprocedure)
          LIKE '%pingsvc.detect_routes(%'
          AND (SELECT prosrc FROM pg_proc
                WHERE oid = 'pingsvc.detect_routes(text[],inet[],text[],integer[],pingsvc.route_step[])'::regprocedure)
          LIKE '%pg_notify(''pingsvc_route_change'', e.change_id::text)%',
          'process_results (derive_traces, detect_routes since 0022) notifies pingsvc_route_change with the change_id');
SELECT ok((SELECT prosrc FROM pg_proc
            WHERE oid = 'pingsvc.detect_routes(text[],inet[],text[],integer[],pingsvc.route_step[])'::regprocedure)
          LIKE '%pg_advisory_xact_lock%',
          'process_results (derive_traces, detect_routes since 0022) takes a per-flow advisory lock');
SELECT is((SELECT count(*) FROM pg_proc p WHERE p.proname = 'process_results'
             AND has_function_privilege('pingsvc_ingest', p.oid, 'EXECUTE')
             AND NOT has_function_privilege('pingsvc_analyst', p.oid, 'EXECUTE')), 1::bigint,
          'pingsvc_ingest may run process_results, analysts may not');
SELECT is((SELECT sum(changes)::bigint FROM pingsvc.flows), (SELECT count(*) FROM pingsvc.route_changes),
          'flows.changes agrees with route_changes');

SELECT * FROM finish();
ROLLBACK;
