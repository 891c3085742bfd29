-- 62_route_stability.sql: the views of 0015 on one flow processed by
-- process_results() with AS data: routes A, B, C (another IP path in B's
-- ASes), A again with a `*` that no trace fills, B again.
--   as_route_changes: one row per change of the AS path (A->B, C->A*,
--     A*->B; not B->C), kind 'as', old_as_since, as_added, as_removed,
--     ip_kind; nothing for a flow processed without AS data;
--   path_stability: occurrences (A* counts as A: `*` matches anything),
--     prevalence (time share), changes, age, current;
-- readable and not writable by pingsvc_analyst, and the examples of
-- sql/README.md's section on them run as pingsvc_analyst and return rows.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

\set readme `cat "${PINGSVC_ROOT:-.}/sql/README.md"`
CREATE TEMP TABLE t_examples ON COMMIT DROP AS
SELECT row_number() OVER () AS n, rtrim(m[1], E'; \n') AS query
  FROM regexp_matches(split_part(split_part(:'readme', E'\n## AS-level route changes and path stability (migration 0015)\n', 2),
                                 E'\n## ', 1),
                      E'```sql\n(.*?)```', 'g') AS m;
GRANT SELECT ON t_examples TO PUBLIC;

SELECT plan(22 + 2 * (SELECT count(*)::integer FROM t_examples));

SELECT cmp_ok((SELECT count(*)::integer FROM t_examples), '>=', 4, 'the section has at least four examples');
SELECT has_view('pingsvc', 'as_route_changes', 'view pingsvc.as_route_changes exists');
SELECT has_view('pingsvc', 'path_stability', 'view pingsvc.path_stability exists');

-- One trace a minute, from an hour ago; prb 1001 -> 203.0.113.200.
SELECT date_trunc('minute', now()) - interval '1 hour' AS t0 \gset
SELECT count(*) FROM pingsvc.ensure_partitions(:'t0'::timestamptz - interval '1 day', now() + interval '1 day') \gset
CREATE FUNCTION pg_temp.add(p_dst text, p_at integer, p_hops text[])
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    SELECT date_trunc('minute', now()) - interval '1 hour' + p_at * interval '1 minute', 'traceroute', 4,
           p_dst::inet, 'atlas',
           jsonb_build_object('type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', 1001, 'dst_addr', p_dst,
                              'paris_id', 1,
                              'timestamp', extract(epoch FROM date_trunc('minute', now()) - interval '1 hour'
                                                              + p_at * interval '1 minute')::bigint,
                              'result', (SELECT jsonb_agg(jsonb_build_object('hop', h.n, 'result',
                                                CASE WHEN h.a IS NULL THEN '[{"x": "*"}]'::jsonb
                                                     ELSE jsonb_build_array(jsonb_build_object('from', h.a, 'rtt', h.n)) END)
                                                ORDER BY h.n)
                                           FROM unnest(p_hops) WITH ORDINALITY AS h(a, n)))
    RETURNING result_id;
$$;

-- Without AS data: a change, and no AS-level row for it.
SELECT count(*) FROM pingsvc.process_results(ARRAY[
    pg_temp.add('203.0.113.201', 0, '{192.0.2.1,192.0.2.2,203.0.113.201}'),
    pg_temp.add('203.0.113.201', 1, '{192.0.2.1,192.0.2.129,203.0.113.201}'),
    pg_temp.add('203.0.113.201', 2, '{192.0.2.1,192.0.2.129,203.0.113.201}')]) \gset
SELECT is((SELECT count(*) FROM pingsvc.as_route_changes WHERE target = '203.0.113.201'), 0::bigint,
          'a change recorded without AS data has no AS-level row');

INSERT INTO pingsvc.as_prefixes (prefix, asn, source)
VALUES ('192.0.2.0/25', 64500, 'test'), ('192.0.2.128/25', 64501, 'test'), ('203.0.113.0/24', 64502, 'test');

-- A (AS 64500 64502), B (64500 64501 64502), C (IP change within B's
-- ASes), A* (A with a `*` at TTL 2 in every trace), B again: three traces
-- each, the last episode two; in two calls.
CREATE TEMP TABLE t_route (r text PRIMARY KEY, hops text[]) ON COMMIT DROP;
INSERT INTO t_route VALUES
    ('A', '{192.0.2.1,192.0.2.2,192.0.2.3,203.0.113.200}'),
    ('B', '{192.0.2.1,192.0.2.129,192.0.2.130,203.0.113.200}'),
    ('C', '{192.0.2.1,192.0.2.131,192.0.2.130,203.0.113.200}'),
    ('A*', '{192.0.2.1,NULL,192.0.2.3,203.0.113.200}');
SELECT count(*) FROM pingsvc.process_results((
    SELECT array_agg(pg_temp.add('203.0.113.200', s.i, r.hops) ORDER BY s.i)
      FROM (SELECT i, (ARRAY['A', 'B', 'C', 'A*', 'B'])[1 + i / 3] AS r FROM generate_series(0, 8) AS i) AS s
      JOIN t_route r USING (r))) \gset
SELECT count(*) FROM pingsvc.process_results((
    SELECT array_agg(pg_temp.add('203.0.113.200', s.i, r.hops) ORDER BY s.i)
      FROM (SELECT i, (ARRAY['A', 'B', 'C', 'A*', 'B'])[1 + i / 3] AS r FROM generate_series(9, 13) AS i) AS s
      JOIN t_route r USING (r))) \gset

SELECT is((SELECT count(*) FROM pingsvc.route_changes WHERE target = '203.0.113.200'), 4::bigint,
          'four IP-level changes: A->B, B->C, C->A*, A*->B');
SELECT is((SELECT array_agg(ARRAY[extract(epoch FROM detected_at - :'t0'::timestamptz) / 60,
                                  extract(epoch FROM coalesce(old_as_since, :'t0'::timestamptz) - :'t0'::timestamptz) / 60]
                            ORDER BY detected_at)
             FROM pingsvc.as_route_changes WHERE target = '203.0.113.200'),
          '{{3,0},{9,3},{12,9}}'::numeric[],
          'three AS-level changes (minutes 3, 9, 12; B->C is none), each old AS path in force since the previous one');
SELECT ok((SELECT old_as_since IS NULL FROM pingsvc.as_route_changes WHERE target = '203.0.113.200'
            ORDER BY detected_at LIMIT 1),
          'the first AS-level change of the flow: old_as_since NULL');
SELECT is((SELECT array_agg(format('%s|%s|%s|%s|%s', kind, old_as_path, new_as_path, as_added, as_removed) ORDER BY detected_at)
             FROM pingsvc.as_route_changes WHERE target = '203.0.113.200'),
          ARRAY['as|{64500,64502}|{64500,64501,64502}|{64501}|{}',
                'as|{64500,64501,64502}|{64500,64502}|{}|{64501}',
                'as|{64500,64502}|{64500,64501,64502}|{64501}|{}'],
          'kind as, old and new AS paths, ASes added and removed');
SELECT is((SELECT array_agg(ip_kind || ' ' || diverge_ttl ORDER BY detected_at)
             FROM pingsvc.as_route_changes WHERE target = '203.0.113.200'),
          '{"hop 2","hop 3","hop 3"}'::text[], 'the IP-level kind and divergence TTL of each');
SELECT is((SELECT count(*) FROM pingsvc.as_route_changes a
             JOIN pingsvc.route_changes c USING (change_id)
            WHERE c.as_changed AND c.detected_at = a.detected_at AND c.vantage = a.vantage),
          (SELECT count(*) FROM pingsvc.route_changes WHERE as_changed),
          'as_route_changes is route_changes WHERE as_changed, row for row');

-- A flow without paris_id (NULL is one flow): A, B, A; the second AS-level
-- change finds the first.
CREATE TEMP TABLE t_np ON COMMIT DROP AS
SELECT array_agg(pg_temp.add('203.0.113.202', s.i, replace(r.hops::text, '203.0.113.200', '203.0.113.202')::text[])
                 ORDER BY s.i) AS ids
  FROM (SELECT i, (ARRAY['A', 'B', 'A'])[1 + i / 3] AS r FROM generate_series(0, 8) AS i) AS s
  JOIN t_route r USING (r);
UPDATE pingsvc.results SET body = body - 'paris_id' WHERE result_id IN (SELECT unnest(ids) FROM t_np);
SELECT count(*) FROM pingsvc.process_results((SELECT ids FROM t_np)) \gset
SELECT is((SELECT array_agg(extract(epoch FROM coalesce(old_as_since, :'t0'::timestamptz) - :'t0'::timestamptz) / 60
                            ORDER BY detected_at)
             FROM pingsvc.as_route_changes WHERE target = '203.0.113.202' AND paris_id IS NULL),
          '{0,3}'::numeric[], 'paris_id NULL: two AS-level changes, the second in force since the first');

-- path_stability: A and A* one route (2 occurrences), B two, C one.
SELECT is((SELECT array_agg(format('%s:%s:%s', seq, occurrences, current) ORDER BY seq)
             FROM pingsvc.path_stability WHERE target = '203.0.113.200'),
          '{1:2:f,2:2:f,3:1:f,4:2:f,5:2:t}'::text[],
          'occurrences: A* counts as A (`*` matches), B came back, C once; the last path is current');
SELECT is((SELECT path::text FROM pingsvc.path_stability WHERE target = '203.0.113.200' AND seq = 4),
          '{192.0.2.1,NULL,192.0.2.3,203.0.113.200}', 'A* kept its `*`');
SELECT is((SELECT array_agg(round(prevalence::numeric * 13, 6) ORDER BY seq)
             FROM pingsvc.path_stability WHERE target = '203.0.113.200'),
          '{6,4,3,6,4}'::numeric[],
          'prevalence: minutes on the route over the 13 minutes observed (A 3+3, B 3+1, C 3)');
SELECT is((SELECT array_agg(changes ORDER BY seq) FROM pingsvc.path_stability WHERE target = '203.0.113.200'),
          '{4,4,4,4,4}'::bigint[], 'changes: the flow''s lasting changes');
SELECT ok((SELECT bool_and(CASE WHEN current THEN age BETWEEN now() - valid_from - interval '1 second' AND now() - valid_from
                                ELSE age = interval '3 minutes' END)
             FROM pingsvc.path_stability WHERE target = '203.0.113.200'),
          'age: up to now for the current path, the episode''s length otherwise');
SELECT is((SELECT count(*) FROM pingsvc.path_stability WHERE current),
          (SELECT count(*) FROM pingsvc.flows), 'one current path per flow');
SELECT is((SELECT array_agg(as_path::text ORDER BY seq) FROM pingsvc.path_stability WHERE target = '203.0.113.200'),
          '{"{64500,64502}","{64500,64501,64502}","{64500,64501,64502}","{64500,64502}","{64500,64501,64502}"}'::text[],
          'the AS path of each episode');
SELECT is((SELECT array_agg(format('%s:%s', occurrences, prevalence) ORDER BY seq) FROM pingsvc.path_stability
            WHERE target = '203.0.113.201'),
          '{1:0.5,1:0.5}'::text[], 'a flow observed two minutes, one on each path');

-- Analysts read both views, write neither, and run the examples.
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
SELECT lives_ok('SELECT * FROM pingsvc.as_route_changes LIMIT 1', 'analyst can read as_route_changes');
SELECT lives_ok('SELECT * FROM pingsvc.path_stability LIMIT 1', 'analyst can read path_stability');
SELECT ok(NOT has_table_privilege('pingsvc_analyst', 'pingsvc.as_route_changes', 'INSERT, UPDATE, DELETE')
          AND NOT has_table_privilege('pingsvc_analyst', 'pingsvc.path_stability', 'INSERT, UPDATE, DELETE'),
          'analyst may not write through either view');
SELECT lives_ok(query, format('0015 example %s runs as pingsvc_analyst', n)) FROM t_examples ORDER BY n;
SELECT cmp_ok(pg_temp.example_rows(query), '>', 0::bigint, format('0015 example %s returns rows', n))
  FROM t_examples ORDER BY n;
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
