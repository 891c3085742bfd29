-- 56_concurrency.sql: two sessions processing traces of the same flow at
-- once (through dblink, so both really commit).  Session a processes the
-- first three traces and holds its transaction open; session b, given the
-- next three, must wait on the flow's advisory lock, then continue from
-- what a committed: the change between the two batches is found once, and
-- the links both touch are counted once per trace; a third session
-- listening on pingsvc_route_change hears the change_id.  Everything is
-- deleted again at the end.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;

SELECT plan(9);

CREATE TEMP TABLE t_conn ON COMMIT DROP AS
SELECT format('host=%s port=%s dbname=%s user=%s',
              split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_database(), current_user) AS c;

\o /dev/null
SELECT dblink_connect('a', c) FROM t_conn;
\o
\o /dev/null
SELECT dblink_connect('b', c) FROM t_conn;
\o
\o /dev/null
SELECT dblink_connect('s', c) FROM t_conn;
SELECT dblink_connect('l', c) FROM t_conn;
SELECT dblink_exec('l', 'LISTEN pingsvc_route_change');
\o

-- Six traces of one flow, committed: three on 192.0.2.2, three on 192.0.2.5.
\o /dev/null
SELECT dblink_exec('s', $s$
    SELECT count(*) FROM pingsvc.ensure_partitions('2026-03-02', '2026-03-03');
    INSERT INTO pingsvc.results (ts, type, af, target, source, idem_key, body)
    SELECT timestamptz '2026-03-02 00:00+00' + i * interval '10 minutes', 'traceroute', 4,
           '203.0.113.77', 'atlas', 'conc56-' || i,
           jsonb_build_object('type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', 5656,
                              'dst_addr', '203.0.113.77', 'paris_id', 1,
                              'result', jsonb_build_array(
                                  jsonb_build_object('hop', 1, 'result', jsonb_build_array(jsonb_build_object('from', '192.0.2.1', 'rtt', 1))),
                                  jsonb_build_object('hop', 2, 'result', jsonb_build_array(jsonb_build_object('from',
                                      CASE WHEN i < 3 THEN '192.0.2.2' ELSE '192.0.2.5' END, 'rtt', 2))),
                                  jsonb_build_object('hop', 3, 'result', jsonb_build_array(jsonb_build_object('from', '203.0.113.77', 'rtt', 3)))))
      FROM generate_series(0, 5) AS i
$s$);
\o

\o /dev/null
SELECT dblink_exec('a', 'BEGIN');
\o
SELECT is((SELECT t FROM dblink('a', $q$SELECT traces FROM pingsvc.process_results(ARRAY(
                     SELECT result_id FROM pingsvc.results WHERE idem_key IN ('conc56-0', 'conc56-1', 'conc56-2')))$q$)
                   AS r(t integer)),
          3, 'session a processes the first three traces and keeps its transaction open');
\o /dev/null
SELECT dblink_send_query('b', $q$SELECT route_changes FROM pingsvc.process_results(ARRAY(
                             SELECT result_id FROM pingsvc.results WHERE idem_key IN ('conc56-3', 'conc56-4', 'conc56-5')))$q$);
\o
-- Give b up to 10 s to reach the lock (a loaded machine is slow).
DO $$
BEGIN
    FOR i IN 1 .. 100 LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted);
        PERFORM pg_sleep(0.1);
    END LOOP;
END;
$$;
SELECT is(dblink_is_busy('b'), 1, 'session b, with later traces of the same flow, waits');
SELECT ok(EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted),
          '... on the flow''s advisory lock');
\o /dev/null
SELECT dblink_exec('a', 'COMMIT');
\o
SELECT is((SELECT n FROM dblink_get_result('b') AS r(n integer)), 1,
          'once a commits, b continues from its state and finds the change');
\o /dev/null
SELECT * FROM dblink_get_result('b') AS r(n integer);
\o

CREATE TEMP TABLE t_notes (notify_name text, be_pid integer, extra text) ON COMMIT DROP;
DO $$
BEGIN
    FOR i IN 1 .. 100 LOOP
        INSERT INTO t_notes SELECT * FROM dblink_get_notify('l');
        EXIT WHEN EXISTS (SELECT 1 FROM t_notes);
        PERFORM pg_sleep(0.1);
    END LOOP;
END;
$$;
SELECT results_eq($$SELECT notify_name, extra FROM t_notes$$,
                  $$SELECT 'pingsvc_route_change'::text, change_id::text FROM pingsvc.route_changes
                     WHERE target = '203.0.113.77'$$,
                  'a listener got one NOTIFY pingsvc_route_change with the change_id');
SELECT results_eq($$SELECT traces, changes, cur_traces FROM pingsvc.flows WHERE target = '203.0.113.77'$$,
                  $$VALUES (6::bigint, 1::bigint, 3::bigint)$$,
                  'the flow saw all six traces, one change, three on the new path');
SELECT results_eq($$SELECT detected_at, last_old_at FROM pingsvc.route_changes WHERE target = '203.0.113.77'$$,
                  $$VALUES ('2026-03-02 00:30+00'::timestamptz, '2026-03-02 00:20+00'::timestamptz)$$,
                  'last_old_at comes from session a''s batch');
SELECT results_eq($$SELECT times_seen FROM pingsvc.links WHERE near = '192.0.2.1' AND far IN ('192.0.2.2', '192.0.2.5') ORDER BY far$$,
                  $$VALUES (3::bigint), (3::bigint)$$,
                  'links written by both sessions are counted once per trace');
SELECT is((SELECT count(*) FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)
            WHERE f.target = '203.0.113.77'), 2::bigint, 'the path history holds both paths');

-- Clean up what the sessions committed.
\o /dev/null
SELECT dblink_exec('s', $s$
    DELETE FROM pingsvc.flow_paths WHERE flow_id IN (SELECT flow_id FROM pingsvc.flows WHERE target = '203.0.113.77');
    DELETE FROM pingsvc.flows WHERE target = '203.0.113.77';
    DELETE FROM pingsvc.route_changes WHERE target = '203.0.113.77';
    DELETE FROM pingsvc.links WHERE near IN ('192.0.2.1', '192.0.2.2', '192.0.2.5');
    DELETE FROM pingsvc.hops WHERE trace_id IN (SELECT trace_id FROM pingsvc.traces WHERE target = '203.0.113.77');
    DELETE FROM pingsvc.traces WHERE target = '203.0.113.77';
    DELETE FROM pingsvc.results WHERE idem_key LIKE 'conc56-%'
$s$);
\o
\o /dev/null
SELECT dblink_disconnect('a');
\o
\o /dev/null
SELECT dblink_disconnect('b');
\o
\o /dev/null
SELECT dblink_disconnect('s');
SELECT dblink_disconnect('l');
\o

SELECT * FROM finish();
ROLLBACK;
