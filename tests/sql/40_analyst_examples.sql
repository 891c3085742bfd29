-- 40_analyst_examples.sql: the example queries of sql/README.md ("For
-- analysts") run as pingsvc_analyst and return rows.  They are read from the
-- README itself (found through $PINGSVC_ROOT, which tests/pg/with-pg sets,
-- else the current directory), so the documentation cannot drift.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

\set readme `cat "${PINGSVC_ROOT:-.}/sql/README.md"`

CREATE TEMP TABLE t_examples ON COMMIT DROP AS
SELECT row_number() OVER () AS n, rtrim(m[1], E'; \n') AS query
  FROM regexp_matches(split_part(split_part(:'readme', E'\n## For analysts\n', 2), E'\n## ', 1),
                      E'```sql\n(.*?)```', 'g') AS m;
GRANT SELECT ON t_examples TO PUBLIC;

SELECT plan(1 + 2 * (SELECT count(*)::int FROM t_examples));

SELECT cmp_ok((SELECT count(*)::int FROM t_examples), '>=', 3,
              'sql/README.md has at least three analyst examples');

-- Sample data the examples find.
INSERT INTO pingsvc.traces (trace_id, result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl)
VALUES (900001, 1, 'fra-1', '203.0.113.9', now() - interval '2 hours', 'icmp', 1,
        '{192.0.2.1,192.0.2.2,203.0.113.9}', true, 3),
       (900002, 2, 'fra-1', '203.0.113.9', now() - interval '1 hour', 'icmp', 1,
        '{192.0.2.1,192.0.2.5,203.0.113.9}', true, 3),
       (900003, 3, 'ams-1', '203.0.113.9', now() - interval '1 hour', 'icmp', 2,
        '{198.51.100.1,192.0.2.2,203.0.113.9}', true, 3);
INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
SELECT t.trace_id, t.ts, 2, p, '192.0.2.2', 4.0 + p + (t.trace_id % 10)
  FROM pingsvc.traces t, generate_series(0, 2) AS p
 WHERE t.trace_id IN (900001, 900003);
INSERT INTO pingsvc.links (near, far, first_seen, last_seen, times_seen,
                           rtt_diff_min_ms, rtt_diff_max_ms, rtt_diff_sum_ms, rtt_diff_count)
VALUES ('192.0.2.2', '203.0.113.9', now() - interval '2 hours', now(), 4, 20.0, 24.0, 88.0, 4);
INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                   old_path, new_path, old_reached, new_reached,
                                   diverge_ttl, rejoin_ttl, kind, as_changed)
VALUES ('fra-1', '203.0.113.9', 'icmp', 1, now() - interval '1 hour', now() - interval '2 hours',
        '{192.0.2.1,192.0.2.2,203.0.113.9}', '{192.0.2.1,192.0.2.5,203.0.113.9}',
        true, true, 2, 3, 'hop', false);

CREATE FUNCTION pg_temp.example_rows(p_query text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s) AS example', p_query) INTO v_rows;
    RETURN v_rows;
END;
$$;

SET LOCAL ROLE pingsvc_analyst;
SELECT lives_ok(query, format('example %s runs as pingsvc_analyst', n)) FROM t_examples ORDER BY n;
SELECT cmp_ok(pg_temp.example_rows(query), '>', 0::bigint, format('example %s returns rows', n))
  FROM t_examples ORDER BY n;
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
