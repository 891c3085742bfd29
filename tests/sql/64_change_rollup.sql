-- 64_change_rollup.sql: migration 0020: route_change_counts stays equal to
-- a GROUP BY of route_changes (per hour, kind and set of changed hops), and
-- the counts per AS and per country drawn from it equal those of the
-- changes themselves, whoever inserts changes: several statements in this
-- transaction, one as pingsvc_ingest, two sessions committing changes of
-- the same counters at once (through dblink, so both really commit), one
-- rolling back; updates and deletes take counts out, TRUNCATE empties it,
-- and route_change_counts_rebuild() recounts to the same rows.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;

SELECT plan(24);

SELECT has_table('pingsvc', 'route_change_counts', 'table route_change_counts exists');
SELECT has_trigger('pingsvc', 'route_changes', 'route_change_counts_insert', 'insert trigger');
SELECT has_trigger('pingsvc', 'route_changes', 'route_change_counts_update', 'update trigger');
SELECT has_trigger('pingsvc', 'route_changes', 'route_change_counts_delete', 'delete trigger');
SELECT has_trigger('pingsvc', 'route_changes', 'route_change_counts_truncate', 'truncate trigger');
SELECT is((SELECT count(*) FROM pg_trigger t
            WHERE t.tgrelid = 'pingsvc.route_changes'::regclass
              AND t.tgname LIKE 'route_change_counts_%'
              AND (t.tgtype & 1) = 0),
          4::bigint, 'all four are statement-level triggers');
SELECT ok(obj_description('pingsvc.route_change_counts'::regclass, 'pg_class') IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                           WHERE a.attrelid = 'pingsvc.route_change_counts'::regclass
                             AND a.attnum > 0 AND NOT a.attisdropped
                             AND col_description(a.attrelid, a.attnum) IS NULL),
          'the table and its columns are documented');

-- What the counters must equal, written independently of the trigger's
-- statement: one row per change and group, then counted.
CREATE FUNCTION pg_temp.expected()
RETURNS TABLE (hour timestamptz, kind text, hops inet[], changes bigint)
LANGUAGE sql AS $$
    SELECT date_trunc('hour', r.detected_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', r.kind,
           coalesce((SELECT array_agg(DISTINCT h ORDER BY h)
                       FROM unnest(coalesce(r.changed_hops,
                                            r.new_path[r.diverge_ttl:coalesce(r.rejoin_ttl - 1, cardinality(r.new_path))])) h
                      WHERE h IS NOT NULL), '{}'),
           count(*)
      FROM pingsvc.route_changes r
     GROUP BY 1, 2, 3
$$;
CREATE FUNCTION pg_temp.same(p_what text)
RETURNS text
LANGUAGE sql AS $$
    SELECT set_eq('SELECT hour, kind, hops, changes FROM pingsvc.route_change_counts WHERE changes > 0',
                  'SELECT * FROM pg_temp.expected()', p_what)
$$;
-- Group G ('as' or 'country') of address H: the most specific prefix.
CREATE FUNCTION pg_temp.grp(g text, h inet)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(CASE g
                        WHEN 'as' THEN (SELECT 'AS' || x.asn FROM pingsvc.as_prefixes x
                                         WHERE x.prefix >>= h ORDER BY masklen(x.prefix) DESC LIMIT 1)
                        ELSE (SELECT x.country::text FROM pingsvc.geolocations x
                               WHERE x.prefix >>= h AND x.country IS NOT NULL
                               ORDER BY masklen(x.prefix) DESC LIMIT 1)
                    END, 'unknown')
$$;
-- Changes per hour, kind and group, a change counted once in each group of
-- its changed hops ('unknown' without any): from the counters, and from
-- the changes one by one.
CREATE FUNCTION pg_temp.by_group_counts(g text)
RETURNS TABLE (hour timestamptz, kind text, grp text, changes numeric)
LANGUAGE sql AS $$
    SELECT k.hour, k.kind, x.grp, sum(k.changes)
      FROM pingsvc.route_change_counts k,
           LATERAL (SELECT DISTINCT pg_temp.grp(g, h) AS grp FROM unnest(k.hops) h
                    UNION SELECT 'unknown' WHERE cardinality(k.hops) = 0) x
     WHERE k.changes > 0
     GROUP BY 1, 2, 3
$$;
CREATE FUNCTION pg_temp.by_group_changes(g text)
RETURNS TABLE (hour timestamptz, kind text, grp text, changes numeric)
LANGUAGE sql AS $$
    SELECT e.hour, e.kind, e.grp, count(*)::numeric
      FROM (SELECT DISTINCT r.change_id,
                   date_trunc('hour', r.detected_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
                   r.kind, CASE WHEN u.h IS NULL THEN 'unknown' ELSE pg_temp.grp(g, u.h) END AS grp
              FROM pingsvc.route_changes r
              LEFT JOIN LATERAL unnest(coalesce(r.changed_hops,
                            r.new_path[r.diverge_ttl:coalesce(r.rejoin_ttl - 1, cardinality(r.new_path))])) u(h)
                     ON u.h IS NOT NULL) e
     GROUP BY 1, 2, 3
$$;

INSERT INTO pingsvc.as_prefixes (prefix, asn, source)
VALUES ('192.0.2.0/24', 64510, 'test64'), ('192.0.2.128/25', 64511, 'test64'),
       ('198.51.100.0/24', 64512, 'test64');
INSERT INTO pingsvc.geolocations (prefix, location, country, source)
VALUES ('192.0.2.0/24', 'POINT(2.35 48.85)', 'FR', 'test64'),
       ('198.51.100.0/25', 'POINT(13.4 52.5)', 'DE', 'test64'),
       ('198.51.100.128/25', 'POINT(-0.1 51.5)', NULL, 'test64');

-- Changes: c(vantage, hour offset, kind, old path, new path, diverge,
-- rejoin, changed_hops).  Day 2026-04-0x, well away from other tests.
CREATE FUNCTION pg_temp.c(p_vantage text, p_min integer, p_kind text, p_old inet[], p_new inet[],
                          p_div integer, p_rejoin integer, p_changed inet[])
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                       old_path, new_path, old_reached, new_reached,
                                       diverge_ttl, rejoin_ttl, kind, changed_hops)
    VALUES (p_vantage, '203.0.113.64', 'icmp', 1,
            timestamptz '2026-04-02 00:00+00' + p_min * interval '1 minute',
            timestamptz '2026-04-02 00:00+00' + (p_min - 1) * interval '1 minute',
            p_old, p_new, p_kind <> 'reachability' OR p_old[cardinality(p_old)] = '203.0.113.64',
            p_kind <> 'reachability' OR p_new[cardinality(p_new)] = '203.0.113.64',
            p_div, p_rejoin, p_kind, p_changed)
$$;

-- Statement 1: one multi-row INSERT (several hours, kinds and groups; a
-- change in two ASes; one whose changed hops are unknown everywhere).
INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                   old_path, new_path, old_reached, new_reached,
                                   diverge_ttl, rejoin_ttl, kind, changed_hops)
VALUES ('t64a', '203.0.113.64', 'icmp', 1, '2026-04-01 10:05+00', '2026-04-01 10:00+00',
        '{192.0.2.1,192.0.2.2,203.0.113.64}', '{192.0.2.1,192.0.2.130,203.0.113.64}', true, true, 2, 3, 'hop', NULL),
       ('t64a', '203.0.113.64', 'icmp', 2, '2026-04-01 10:59:59+00', '2026-04-01 10:00+00',
        '{192.0.2.1,192.0.2.2,203.0.113.64}', '{192.0.2.1,192.0.2.3,198.51.100.7,203.0.113.64}', true, true, 2, 4, 'length', NULL),
       ('t64b', '203.0.113.64', 'udp', NULL, '2026-04-01 11:00+00', '2026-04-01 10:00+00',
        '{192.0.2.1,192.0.2.2,203.0.113.64}', '{192.0.2.1,203.0.113.9,NULL}', true, false, 2, NULL, 'reachability', NULL),
       ('t64b', '203.0.113.64', 'udp', NULL, '2026-04-01 11:30+00', '2026-04-01 11:00+00',
        '{192.0.2.1,NULL,203.0.113.64}', '{192.0.2.1,NULL,NULL}', true, false, 3, NULL, 'reachability', NULL),
       ('t64b', '203.0.113.64', 'tcp', 7, '2026-04-01 11:40+00', '2026-04-01 11:00+00',
        '{192.0.2.1,192.0.2.2,203.0.113.64}', '{192.0.2.1,198.51.100.200,203.0.113.64}', true, true, 2, 3, 'hop',
        '{198.51.100.200}');
SELECT pg_temp.same('one multi-row INSERT: counters equal the GROUP BY');
SELECT set_eq('SELECT * FROM pg_temp.by_group_counts(''as'')', 'SELECT * FROM pg_temp.by_group_changes(''as'')',
              'per AS (most specific prefix; a change in two ASes in both): counters and changes agree');
SELECT set_eq('SELECT * FROM pg_temp.by_group_counts(''country'')', 'SELECT * FROM pg_temp.by_group_changes(''country'')',
              'per country: counters and changes agree');

-- Statements 2..4: single rows, one of them as the ingest role (the
-- trigger runs as the counters' owner).
SELECT pg_temp.c('t64a', 1, 'hop', '{192.0.2.1,192.0.2.2,203.0.113.64}', '{192.0.2.1,192.0.2.5,203.0.113.64}', 2, 3, NULL);
SELECT pg_temp.c('t64c', 2, 'hop', '{192.0.2.1,192.0.2.2,203.0.113.64}', '{192.0.2.1,198.51.100.3,203.0.113.64}', 2, 3, NULL);
SET LOCAL ROLE pingsvc_ingest;
SELECT pg_temp.c('t64c', 3, 'hop', '{192.0.2.1,192.0.2.2,203.0.113.64}', '{192.0.2.1,192.0.2.131,203.0.113.64}', 2, 3, NULL);
RESET ROLE;
SELECT pg_temp.same('single-row INSERTs (one as pingsvc_ingest): counters equal the GROUP BY');
SELECT is((SELECT sum(changes) FROM pingsvc.route_change_counts WHERE hour = '2026-04-02 00:00+00'),
          3::numeric, 'three changes in the hour 2026-04-02 00:00');

-- Updates and deletes take their rows out (a counter reaching 0 goes).
UPDATE pingsvc.route_changes SET detected_at = detected_at + interval '1 hour'
 WHERE vantage = 't64c';
SELECT pg_temp.same('an UPDATE moves the counts');
DELETE FROM pingsvc.route_changes WHERE vantage = 't64b' AND proto = 'tcp';
SELECT pg_temp.same('a DELETE takes the counts out');
SELECT is((SELECT count(*) FROM pingsvc.route_change_counts WHERE changes < 0), 0::bigint,
          'no counter below 0');

-- Two sessions writing changes of the same counters, both committing; a
-- third rolling back.  Session a's counter rows block b until a commits.
CREATE TEMP TABLE t_conn AS
SELECT format('host=%s port=%s dbname=%s user=%s',
              split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_database(), current_user) AS c;
CREATE TEMP TABLE t_sess AS SELECT unnest(ARRAY['a64', 'b64', 'c64']) AS s;
\o /dev/null
SELECT dblink_connect(s, c) FROM t_sess, t_conn;
SELECT dblink_exec(s, 'BEGIN') FROM t_sess;
SELECT dblink_exec(s, format($s$
    INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                       old_path, new_path, old_reached, new_reached,
                                       diverge_ttl, rejoin_ttl, kind, changed_hops)
    SELECT 't64' || %L, '203.0.113.65', 'icmp', i, timestamptz '2026-04-03 05:00+00' + i * interval '1 minute',
           '2026-04-03 04:00+00', '{192.0.2.1,192.0.2.2,203.0.113.65}',
           ARRAY['192.0.2.1', CASE WHEN i %% 2 = 0 THEN '203.0.113.7' ELSE '203.0.113.9' END, '203.0.113.65']::inet[],
           true, true, 2, 3, 'hop', NULL
      FROM generate_series(1, 10) i$s$, s))
  FROM t_sess WHERE s = 'a64';
SELECT dblink_send_query('b64', $s$
    INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                       old_path, new_path, old_reached, new_reached,
                                       diverge_ttl, rejoin_ttl, kind, changed_hops)
    SELECT 't64b64', '203.0.113.65', 'udp', i, timestamptz '2026-04-03 05:30+00' + i * interval '1 minute',
           '2026-04-03 04:00+00', '{192.0.2.1,192.0.2.2,203.0.113.65}',
           '{192.0.2.1,203.0.113.7,203.0.113.65}', true, true, 2, 3, 'hop', NULL
      FROM generate_series(1, 7) i$s$);
SELECT dblink_exec('c64', $s$
    INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                       old_path, new_path, old_reached, new_reached,
                                       diverge_ttl, rejoin_ttl, kind, changed_hops)
    VALUES ('t64c64', '203.0.113.65', 'tcp', 1, '2026-04-03 06:10+00', '2026-04-03 04:00+00',
            '{192.0.2.1,192.0.2.2,203.0.113.65}', '{192.0.2.1,192.0.2.9,203.0.113.65}', true, true, 2, 3, 'hop', NULL)$s$);
SELECT pg_sleep(0.3);
\o
SELECT is((SELECT dblink_is_busy('b64')), 1, 'session b waits for session a''s counters');
\o /dev/null
SELECT dblink_exec('a64', 'COMMIT');
SELECT * FROM dblink_get_result('b64') AS r(x text);
SELECT * FROM dblink_get_result('b64') AS r(x text);
SELECT dblink_exec('b64', 'COMMIT');
SELECT dblink_exec('c64', 'ROLLBACK');
\o
SELECT is((SELECT x FROM dblink('c64', $q$SELECT changes FROM pingsvc.route_change_counts
                                         WHERE hour = '2026-04-03 05:00+00' AND kind = 'hop'
                                           AND hops = '{203.0.113.7}'$q$) AS r(x bigint)),
          12::bigint, 'both sessions'' counts are in the committed counter (5 + 7)');
SELECT is((SELECT x FROM dblink('c64', $q$SELECT count(*) FROM pingsvc.route_change_counts
                                         WHERE hour = '2026-04-03 06:00+00'$q$) AS r(x bigint)),
          0::bigint, 'the rolled-back session''s are not');
SELECT pg_temp.same('after two committed sessions and a rollback: counters equal the GROUP BY');
SELECT set_eq('SELECT * FROM pg_temp.by_group_counts(''as'')', 'SELECT * FROM pg_temp.by_group_changes(''as'')',
              'and per AS, counters and changes agree');

-- Clean up what the sessions committed (through the delete trigger).
\o /dev/null
SELECT dblink_exec('c64', $s$DELETE FROM pingsvc.route_changes WHERE target = '203.0.113.65'$s$);
SELECT dblink_disconnect(s) FROM t_sess;
\o

SELECT pg_temp.same('a DELETE in another session takes its counts out');

-- Rebuilding gives the same rows.
CREATE TEMP TABLE t_before AS SELECT * FROM pingsvc.route_change_counts;
SELECT ok(pingsvc.route_change_counts_rebuild() > 0, 'route_change_counts_rebuild() recounts');
SELECT set_eq('SELECT * FROM pingsvc.route_change_counts', 'SELECT * FROM t_before WHERE changes > 0',
              'the rebuild finds what the triggers kept (and drops the zeros)');

TRUNCATE pingsvc.route_changes;
SELECT is((SELECT count(*) FROM pingsvc.route_change_counts), 0::bigint, 'TRUNCATE empties the counters');

SELECT * FROM finish();
ROLLBACK;
