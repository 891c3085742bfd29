-- 54_analyst_views.sql: the objects of migration 0002 are readable by the
-- analysts and not writable by them, and the examples of sql/README.md's
-- "Route history for analysts" section run as pingsvc_analyst and return
-- rows on the route-change test vectors (processed by process_results()).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

\set readme `cat "${PINGSVC_ROOT:-.}/sql/README.md"`
CREATE TEMP TABLE t_examples ON COMMIT DROP AS
SELECT row_number() OVER () AS n, rtrim(m[1], E'; \n') AS query
  FROM regexp_matches(split_part(split_part(:'readme', E'\n## Route history for analysts\n', 2), E'\n## ', 1),
                      E'```sql\n(.*?)```', 'g') AS m;
GRANT SELECT ON t_examples TO PUBLIC;

CREATE TEMP TABLE t_objects (obj text, is_view boolean) ON COMMIT DROP;
INSERT INTO t_objects VALUES ('settings', false), ('special_ranges', false), ('allowed_ranges', false),
                             ('opt_outs', false), ('flows', false), ('flow_paths', false),
                             ('link_rtt_daily', false), ('as_prefixes', false),
                             ('current_paths', true), ('path_history', true), ('link_latency', true);
GRANT SELECT ON t_objects TO PUBLIC;

SELECT plan(1 + 2 * (SELECT count(*)::integer FROM t_examples)
            + 3 * (SELECT count(*)::integer FROM t_objects) + 5);

SELECT cmp_ok((SELECT count(*)::integer FROM t_examples), '>=', 3,
              'the Route history section has at least three examples');

-- The vectors, as an importer stores them.
CREATE TEMP TABLE t_raw (line text) ON COMMIT DROP;
\copy t_raw FROM PROGRAM 'cat "${PINGSVC_DATA:-${PINGSVC_ROOT:-.}/../shared/data}/route-changes/route-change-vectors.jsonl"' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
CREATE TEMP TABLE t_parts ON COMMIT DROP AS
SELECT * FROM pingsvc.ensure_partitions('2025-11-24', '2025-11-25');
CREATE TEMP TABLE t_ids ON COMMIT DROP AS
WITH r AS (
    INSERT INTO pingsvc.results (ts, type, af, target, body, source)
    SELECT to_timestamp((j ->> 'timestamp')::bigint), j ->> 'type', (j ->> 'af')::smallint,
           (j ->> 'dst_addr')::inet, j, 'atlas'
      FROM (SELECT line::jsonb AS j FROM t_raw) AS s
    RETURNING result_id)
SELECT array_agg(result_id) AS ids FROM r;
CREATE TEMP TABLE t_done ON COMMIT DROP AS
SELECT p.* FROM t_ids, pingsvc.process_results(t_ids.ids) AS p;

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
SELECT lives_ok(query, format('route history example %s runs as pingsvc_analyst', n)) FROM t_examples ORDER BY n;
SELECT cmp_ok(pg_temp.example_rows(query), '>', 0::bigint, format('route history example %s returns rows', n))
  FROM t_examples ORDER BY n;

SELECT lives_ok(format('SELECT * FROM pingsvc.%I LIMIT 1', obj), format('analyst can read %s', obj))
  FROM t_objects ORDER BY obj;
SELECT CASE WHEN is_view
            THEN ok(NOT has_table_privilege('pingsvc_analyst', 'pingsvc.' || obj, 'INSERT'),
                    format('analyst has no INSERT privilege on view %s', obj))
            ELSE throws_ok(format('INSERT INTO pingsvc.%I DEFAULT VALUES', obj), '42501', NULL,
                           format('analyst cannot INSERT into %s', obj)) END
  FROM t_objects ORDER BY obj;
SELECT CASE WHEN is_view
            THEN ok(NOT has_table_privilege('pingsvc_analyst', 'pingsvc.' || obj, 'DELETE'),
                    format('analyst has no DELETE privilege on view %s', obj))
            ELSE throws_ok(format('DELETE FROM pingsvc.%I', obj), '42501', NULL,
                           format('analyst cannot DELETE from %s', obj)) END
  FROM t_objects ORDER BY obj;
SELECT is((SELECT count(*) FROM pingsvc.path_at('atlas:1001', '203.0.113.204', '2025-11-24 17:00+00')),
          1::bigint, 'analyst can run path_at');
SELECT throws_ok('SELECT * FROM pingsvc.process_results(''{1}'')', '42501', NULL,
                 'analyst cannot run process_results');
SELECT throws_ok('UPDATE pingsvc.settings SET value = ''5''', '42501', NULL,
                 'analyst cannot change settings');
SELECT ok((SELECT prevalence FROM pingsvc.current_paths WHERE target = '203.0.113.207') < 1,
          'current_paths: the transient lowers the prevalence of the current path');
SELECT is((SELECT max_km FROM pingsvc.link_latency WHERE near = '192.0.2.1' AND far = '192.0.2.2'),
          250::double precision, 'link_latency: 2.5 ms minimum jump allows 250 km');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
