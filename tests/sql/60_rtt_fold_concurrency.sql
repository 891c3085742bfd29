-- 60_rtt_fold_concurrency.sql: the watermark of fold_rtt_buckets() against
-- a writer that takes a smaller trace id and commits late, with real
-- transactions (dblink sessions that commit).  Session a takes trace id N
-- and stays open; session b writes N+1 and commits; folds in session f
-- register the bound but fold nothing while a runs (folding N+1 would move
-- the watermark past N, which would then never be folded); once a commits
-- the next fold takes both.  A second fold waits for a running one on the
-- advisory lock and then finds nothing left.  This file runs outside a
-- transaction (an open transaction of its own would, rightly, hold every
-- fold back); everything the sessions wrote is deleted at the end and the
-- fold state restored.
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;

SELECT plan(9);

CREATE TEMP TABLE t_conn AS
SELECT format('host=%s port=%s dbname=%s user=%s',
              split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_database(), current_user) AS c;
CREATE TEMP TABLE t_state AS SELECT * FROM pingsvc.rtt_fold_state;

\o /dev/null
SELECT dblink_connect('a', c) FROM t_conn;
SELECT dblink_connect('b', c) FROM t_conn;
SELECT dblink_connect('f', c) FROM t_conn;
SELECT dblink_connect('g', c) FROM t_conn;
SELECT dblink_exec('f', $s$
    DO $d$
    BEGIN
        PERFORM pingsvc.ensure_partitions('2025-08-01', '2025-08-01');
        PERFORM pingsvc.fold_rtt_buckets(NULL);
    END
    $d$
$s$);
\o

-- One trace with its destination's reply, as process_results writes it:
-- the writer already holds a transaction id when it takes the trace id.
CREATE FUNCTION pg_temp.write_trace(p_rtt float8) RETURNS text
LANGUAGE sql AS $$
    SELECT format($w$
        SELECT pg_current_xact_id();
        WITH t AS (
            INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, reached_ttl)
            VALUES (600000 + %1$s, 'cc60', '198.51.100.240', '2025-08-01 10:00+00', 'icmp',
                    '{192.0.2.240,198.51.100.240}', true, 2)
            RETURNING trace_id, ts)
        INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
        SELECT trace_id, ts, 2, 0, '198.51.100.240', %1$s FROM t
    $w$, p_rtt);
$$;

\o /dev/null
SELECT dblink_exec('a', 'BEGIN');
SELECT dblink_exec('a', pg_temp.write_trace(10));
SELECT dblink_exec('b', pg_temp.write_trace(20));
\o
SELECT ok((SELECT min(trace_id) FROM dblink('a', 'SELECT trace_id FROM pingsvc.traces WHERE vantage = ''cc60''') AS r(trace_id bigint))
          < (SELECT max(trace_id) FROM pingsvc.traces WHERE vantage = 'cc60')
          AND (SELECT count(*) FROM pingsvc.traces WHERE vantage = 'cc60') = 1,
          'a holds the smaller trace id uncommitted, b''s larger one is committed');

SELECT is((SELECT n FROM dblink('f', $q$SELECT pingsvc.fold_rtt_buckets('0')$q$) AS r(n bigint)), 0::bigint,
          'the first fold only registers the bound');
SELECT is((SELECT n FROM dblink('f', $q$SELECT pingsvc.fold_rtt_buckets('0')$q$) AS r(n bigint)), 0::bigint,
          'while a runs, the next fold folds nothing');
SELECT is((SELECT count(*) FROM pingsvc.rtt_buckets WHERE vantage = 'cc60'), 0::bigint,
          '... not even b''s committed trace');

\o /dev/null
SELECT dblink_exec('a', 'COMMIT');
\o
SELECT is((SELECT n FROM dblink('f', $q$SELECT pingsvc.fold_rtt_buckets('0')$q$) AS r(n bigint)), 2::bigint,
          'once a has committed, the next fold takes both traces');
SELECT is((SELECT rtts FROM pingsvc.rtt_buckets WHERE vantage = 'cc60'), '{10,20}'::float8[],
          'both samples are in the bucket, the late one included');

-- Two folds at once: the second waits on the advisory lock.
\o /dev/null
SELECT dblink_exec('b', pg_temp.write_trace(30));
SELECT dblink_exec('f', 'BEGIN');
SELECT * FROM dblink('f', $q$SELECT pingsvc.fold_rtt_buckets('0')$q$) AS r(n bigint);
SELECT dblink_send_query('g', $q$SELECT pingsvc.fold_rtt_buckets('0')$q$);
\o
DO $$
BEGIN
    FOR i IN 1 .. 100 LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted);
        PERFORM pg_sleep(0.1);
    END LOOP;
END;
$$;
SELECT ok(dblink_is_busy('g') = 1
          AND EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted),
          'a concurrent fold waits on the advisory lock');
\o /dev/null
SELECT dblink_exec('f', 'COMMIT');
\o
SELECT is((SELECT n FROM dblink_get_result('g') AS r(n bigint)), 1::bigint,
          'then it folds the trace registered by the first one, once');
\o /dev/null
SELECT * FROM dblink_get_result('g') AS r(n bigint);
\o
SELECT is((SELECT rtts FROM pingsvc.rtt_buckets WHERE vantage = 'cc60'), '{10,20,30}'::float8[],
          'every trace is in the bucket exactly once');

-- Clean up what the sessions committed and restore the fold state.
\o /dev/null
SELECT dblink_exec('f', format($s$
    DELETE FROM pingsvc.hops WHERE address = '198.51.100.240';
    DELETE FROM pingsvc.traces WHERE vantage = 'cc60';
    DELETE FROM pingsvc.rtt_buckets WHERE vantage = 'cc60';
    DELETE FROM pingsvc.link_rtt_buckets WHERE near = '192.0.2.240';
    UPDATE pingsvc.rtt_fold_state SET folded_to = %s, pending_to = NULL, pending_xid = NULL, pending_at = NULL
$s$, (SELECT folded_to FROM t_state)));
SELECT dblink_disconnect('a');
SELECT dblink_disconnect('b');
SELECT dblink_disconnect('f');
SELECT dblink_disconnect('g');
\o

SELECT * FROM finish();
DROP TABLE t_conn, t_state;
