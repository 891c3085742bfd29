-- 59_as_paths.sql: AS-level paths beside IP-level ones (0009):
-- flow_paths.as_path and route_changes.old_as_path/new_as_path are filled
-- from as_prefixes by process_results(), as_changed agrees with them, a
-- `*` filled in later recomputes the open path's AS path, and without AS
-- data they stay NULL.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(10);

SELECT has_column('pingsvc', 'flow_paths', 'as_path', 'flow_paths.as_path exists');
SELECT has_column('pingsvc', 'route_changes', 'new_as_path', 'route_changes.new_as_path exists');

SELECT count(*) FROM pingsvc.ensure_partitions('2026-02-02', '2026-02-03') \gset
CREATE FUNCTION pg_temp.add(p_dst text, p_at integer, p_hops text[])
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    SELECT timestamptz '2026-02-02 00:00+00' + p_at * interval '1 minute', 'traceroute', 4, p_dst::inet, 'atlas',
           jsonb_build_object('type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', 78, 'dst_addr', p_dst,
                              'paris_id', 1,
                              'result', (SELECT jsonb_agg(jsonb_build_object('hop', h.n, 'result',
                                                CASE WHEN h.a IS NULL THEN '[{"x": "*"}]'::jsonb
                                                     ELSE jsonb_build_array(jsonb_build_object('from', h.a, 'rtt', h.n)) END)
                                                ORDER BY h.n)
                                           FROM unnest(p_hops) WITH ORDINALITY AS h(a, n)))
    RETURNING result_id;
$$;

-- Without AS data: NULL everywhere.
SELECT count(*) FROM pingsvc.process_results(ARRAY[
    pg_temp.add('198.51.100.20', 0, '{192.0.2.1,192.0.2.2,198.51.100.20}'),
    pg_temp.add('198.51.100.20', 10, '{192.0.2.1,192.0.2.129,198.51.100.20}'),
    pg_temp.add('198.51.100.20', 20, '{192.0.2.1,192.0.2.129,198.51.100.20}')]) \gset
SELECT is((SELECT count(*) FROM pingsvc.route_changes
            WHERE target = '198.51.100.20' AND old_as_path IS NULL AND new_as_path IS NULL
              AND as_changed IS NULL),
          1::bigint, 'without AS data: one change, no AS paths, as_changed NULL');
SELECT is((SELECT count(*) FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)
            WHERE f.target = '198.51.100.20' AND p.as_path IS NULL),
          2::bigint, 'without AS data: flow_paths.as_path NULL');

INSERT INTO pingsvc.as_prefixes (prefix, asn, source)
VALUES ('192.0.2.0/24', 64500, 'test'), ('192.0.2.128/25', 64501, 'test'),
       ('198.51.100.0/24', 64502, 'test');

-- With AS data: a change into AS 64501, the first trace with a `*`.
SELECT count(*) FROM pingsvc.process_results(ARRAY[
    pg_temp.add('198.51.100.21', 0, '{192.0.2.1,NULL,198.51.100.21}'),
    pg_temp.add('198.51.100.21', 10, '{192.0.2.1,192.0.2.2,198.51.100.21}'),
    pg_temp.add('198.51.100.21', 20, '{192.0.2.1,192.0.2.129,198.51.100.21}')]) \gset
SELECT count(*) FROM pingsvc.process_results(ARRAY[
    pg_temp.add('198.51.100.21', 30, '{192.0.2.1,192.0.2.129,198.51.100.21}')]) \gset
SELECT is((SELECT ARRAY[old_as_path::text, new_as_path::text] FROM pingsvc.route_changes WHERE target = '198.51.100.21'),
          '{"{64500,64502}","{64500,64501,64502}"}'::text[], 'the change keeps both AS paths');
SELECT is((SELECT as_changed FROM pingsvc.route_changes WHERE target = '198.51.100.21'), true,
          'as_changed agrees with the AS paths');
SELECT is((SELECT array_agg(p.as_path::text ORDER BY p.seq) FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)
            WHERE f.target = '198.51.100.21'),
          '{"{64500,64502}","{64500,64501,64502}"}'::text[], 'flow_paths keeps the AS path of each path');

-- A `*` later filled in on the open path recomputes its AS path.
SELECT count(*) FROM pingsvc.process_results(ARRAY[
    pg_temp.add('198.51.100.22', 0, '{192.0.2.1,NULL,198.51.100.22}')]) \gset
SELECT is((SELECT p.as_path FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)
            WHERE f.target = '198.51.100.22'),
          '{64500,64502}'::bigint[], 'open path with a *: AS path of what answered');
SELECT count(*) FROM pingsvc.process_results(ARRAY[
    pg_temp.add('198.51.100.22', 10, '{192.0.2.1,192.0.2.130,198.51.100.22}')]) \gset
SELECT is((SELECT p.as_path FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)
            WHERE f.target = '198.51.100.22'),
          '{64500,64501,64502}'::bigint[], 'the * filled in: AS path recomputed');
SELECT is((SELECT count(*) FROM pingsvc.route_changes WHERE target = '198.51.100.22'), 0::bigint,
          'filling a * is no change');

SELECT * FROM finish();
ROLLBACK;
