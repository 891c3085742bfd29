-- 55_as_annotation.sql: origin AS lookup (most specific prefix), AS paths
-- and route_changes.as_changed (NULL without AS data, true/false with it).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(9);

SELECT has_table('pingsvc', 'as_prefixes', 'table pingsvc.as_prefixes exists');
SELECT is(pingsvc.as_path('{192.0.2.1,NULL,198.51.100.1}'), NULL, 'as_path is NULL without AS data');

INSERT INTO pingsvc.as_prefixes (prefix, asn, source)
VALUES ('192.0.2.0/24', 64500, 'test'), ('192.0.2.128/25', 64501, 'test'),
       ('198.51.100.0/24', 64502, 'test'), ('2001:db8::/32', 64503, 'test');

SELECT is(pingsvc.asn_of('192.0.2.1'), 64500::bigint, 'asn_of: the containing prefix');
SELECT is(pingsvc.asn_of('192.0.2.200'), 64501::bigint, 'asn_of: the most specific prefix wins');
SELECT is(pingsvc.asn_of('203.0.113.1'), NULL, 'asn_of: NULL when unknown');
SELECT is(pingsvc.as_path('{192.0.2.1,NULL,192.0.2.2,203.0.113.7,192.0.2.130,198.51.100.1}'),
          '{64500,64501,64502}'::bigint[], 'as_path: unknown hops and * skipped, repeats collapsed');

-- as_changed on detected changes: one change within AS 64500, one into AS 64501.
SELECT count(*) FROM pingsvc.ensure_partitions('2026-02-02', '2026-02-03') \gset
CREATE FUNCTION pg_temp.add(p_dst text, p_at integer, p_hops text[])
RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    SELECT timestamptz '2026-02-02 00:00+00' + p_at * interval '1 minute', 'traceroute', 4, p_dst::inet, 'atlas',
           jsonb_build_object('type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', 77, 'dst_addr', p_dst,
                              'paris_id', 1,
                              'result', (SELECT jsonb_agg(jsonb_build_object('hop', h.n, 'result',
                                                jsonb_build_array(jsonb_build_object('from', h.a, 'rtt', h.n)))
                                                ORDER BY h.n)
                                           FROM unnest(p_hops) WITH ORDINALITY AS h(a, n)))
    RETURNING result_id;
$$;
SELECT is((SELECT route_changes FROM pingsvc.process_results(ARRAY[
              pg_temp.add('198.51.100.9', 0, '{192.0.2.1,192.0.2.2,198.51.100.9}'),
              pg_temp.add('198.51.100.9', 10, '{192.0.2.1,192.0.2.3,198.51.100.9}'),
              pg_temp.add('198.51.100.9', 20, '{192.0.2.1,192.0.2.3,198.51.100.9}'),
              pg_temp.add('198.51.100.10', 0, '{192.0.2.1,192.0.2.2,198.51.100.10}'),
              pg_temp.add('198.51.100.10', 10, '{192.0.2.1,192.0.2.129,198.51.100.10}'),
              pg_temp.add('198.51.100.10', 20, '{192.0.2.1,192.0.2.129,198.51.100.10}')])),
          2, 'two changes');
SELECT is((SELECT as_changed FROM pingsvc.route_changes WHERE target = '198.51.100.9'), false,
          'a change inside one AS: as_changed false');
SELECT is((SELECT as_changed FROM pingsvc.route_changes WHERE target = '198.51.100.10'), true,
          'a change through another AS: as_changed true');

SELECT * FROM finish();
ROLLBACK;
