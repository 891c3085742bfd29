-- 10_privileges.sql: each role can do what its job needs and nothing more.
-- Denials are checked by doing the forbidden thing (SQLSTATE 42501), as the
-- role, with SET LOCAL ROLE.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

-- The base tables of pingsvc (not partitions), with a column each that a
-- plain UPDATE may name (not identity, not generated).
CREATE TEMP TABLE t_tables ON COMMIT DROP AS
SELECT c.relname::text AS tbl,
       (SELECT a.attname::text FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attidentity = '' AND a.attgenerated = ''
         ORDER BY a.attnum LIMIT 1) AS col
  FROM pg_class c
 WHERE c.relnamespace = 'pingsvc'::regnamespace
   AND c.relkind IN ('r', 'p') AND NOT c.relispartition;
GRANT SELECT ON t_tables TO PUBLIC;

-- Per read-only role (analyst, viewer): 4 writes per table, 1 read per
-- table but workers and for the view, 14 others.  Ingest: 3 per table, 19
-- others.  Frontier: 1 read per table but workers and for the view, 14 others.
SELECT plan((SELECT 2 * (5 * count(*)::int + 14) + (3 * count(*)::int + 19)
                    + (count(*)::int + 14)
               FROM t_tables));

-- Some rows to read and to claim.
INSERT INTO pingsvc.workers (name, token_hash, caps)
VALUES ('test-w1', sha256('secret'), '{icmp,tcp}');
INSERT INTO pingsvc.jobs (kind, target, proto, required_cap)
VALUES ('traceroute', '192.0.2.50', 'icmp', 'icmp');
INSERT INTO pingsvc.traces (result_id, vantage, worker_id, target, ts, proto, paris_id, path, reached, reached_ttl)
VALUES (1, 'test-w1', (SELECT worker_id FROM pingsvc.workers WHERE name = 'test-w1'),
        '192.0.2.50', now(), 'icmp', 1, '{192.0.2.1,NULL,192.0.2.50}', true, 3);

-- analyst and viewer: read-only, no token hashes ------------------------------

CREATE FUNCTION pg_temp.read_only_checks(p_role text)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    v_part text := 'traces_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD');
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    RETURN QUERY
    SELECT throws_ok(format('INSERT INTO pingsvc.%I DEFAULT VALUES', tbl), '42501', NULL,
                     format('%s cannot INSERT into %s', p_role, tbl)) FROM t_tables
    UNION ALL
    SELECT throws_ok(format('UPDATE pingsvc.%I SET %I = %I WHERE false', tbl, col, col), '42501', NULL,
                     format('%s cannot UPDATE %s', p_role, tbl)) FROM t_tables
    UNION ALL
    SELECT throws_ok(format('DELETE FROM pingsvc.%I WHERE false', tbl), '42501', NULL,
                     format('%s cannot DELETE from %s', p_role, tbl)) FROM t_tables
    UNION ALL
    SELECT throws_ok(format('TRUNCATE pingsvc.%I', tbl), '42501', NULL,
                     format('%s cannot TRUNCATE %s', p_role, tbl)) FROM t_tables
    UNION ALL
    SELECT lives_ok(format('SELECT * FROM pingsvc.%I LIMIT 1', tbl),
                    format('%s can SELECT from %s', p_role, tbl))
      FROM (SELECT tbl FROM t_tables WHERE tbl <> 'workers' UNION ALL SELECT 'partitions') AS v;
    RETURN NEXT throws_ok('SELECT token_hash FROM pingsvc.workers', '42501', NULL,
                          p_role || ' cannot read workers.token_hash');
    RETURN NEXT throws_ok('SELECT * FROM pingsvc.workers', '42501', NULL,
                          p_role || ' cannot SELECT * from workers (token_hash is in it)');
    RETURN NEXT lives_ok('SELECT worker_id, name, caps, enabled, last_seen, location_label FROM pingsvc.workers',
                         p_role || ' can read the other worker columns');
    RETURN NEXT is((SELECT count(*) FROM pingsvc.traces WHERE vantage = 'test-w1'), 1::bigint,
                   p_role || ' can SELECT traces');
    RETURN NEXT lives_ok(format('SELECT count(*) FROM pingsvc.%I', v_part),
                         p_role || ' can read a partition made later (default privileges)');
    RETURN NEXT throws_ok(format('INSERT INTO pingsvc.%I DEFAULT VALUES', v_part), '42501', NULL,
                          p_role || ' cannot write a partition directly');
    RETURN NEXT throws_ok('CREATE TABLE pingsvc.t_evil (i int)', '42501', NULL,
                          p_role || ' cannot CREATE tables in pingsvc');
    RETURN NEXT throws_ok('CREATE VIEW pingsvc.v_evil AS SELECT 1', '42501', NULL,
                          p_role || ' cannot CREATE views in pingsvc');
    RETURN NEXT throws_ok('CREATE FUNCTION pingsvc.f_evil() RETURNS int LANGUAGE sql RETURN 1', '42501', NULL,
                          p_role || ' cannot CREATE functions in pingsvc');
    RETURN NEXT throws_ok('DROP TABLE pingsvc.traces', '42501', NULL,
                          p_role || ' cannot DROP tables');
    RETURN NEXT throws_ok('SELECT * FROM pingsvc.maintain_partitions()', '42501', NULL,
                          p_role || ' cannot run maintain_partitions()');
    RETURN NEXT throws_ok($q$SELECT * FROM pingsvc.ensure_partitions('2024-01-01', '2024-01-02')$q$, '42501', NULL,
                          p_role || ' cannot run ensure_partitions()');
    RETURN NEXT throws_ok('SELECT nextval(''pingsvc.results_result_id_seq'')', '42501', NULL,
                          p_role || ' cannot draw result ids');
    RETURN NEXT throws_ok('UPDATE pingsvc.traces SET reached = false', '42501', NULL,
                          p_role || ' cannot UPDATE traces');
    RESET ROLE;
END;
$$;

SELECT * FROM pg_temp.read_only_checks('pingsvc_analyst');
SELECT * FROM pg_temp.read_only_checks('pingsvc_viewer');

-- ingest: writes what the gateway writes; no DELETE, TRUNCATE, DROP, DDL -----

SET LOCAL ROLE pingsvc_ingest;

SELECT throws_ok(format('DELETE FROM pingsvc.%I WHERE false', tbl), '42501', NULL,
                 format('ingest cannot DELETE from %s', tbl)) FROM t_tables WHERE tbl <> 'derive_queue';
SELECT lives_ok('DELETE FROM pingsvc.derive_queue WHERE false',
                'ingest can DELETE from derive_queue (derivation takes what it derives)');
SELECT throws_ok(format('TRUNCATE pingsvc.%I', tbl), '42501', NULL,
                 format('ingest cannot TRUNCATE %s', tbl)) FROM t_tables;
SELECT throws_ok(format('DROP TABLE pingsvc.%I', tbl), '42501', NULL,
                 format('ingest cannot DROP %s', tbl)) FROM t_tables;
SELECT throws_ok('CREATE TABLE pingsvc.t_evil (i int)', '42501', NULL,
                 'ingest cannot CREATE tables in pingsvc');
SELECT throws_ok('ALTER TABLE pingsvc.results ADD COLUMN evil int', '42501', NULL,
                 'ingest cannot ALTER tables');
SELECT throws_ok('SELECT * FROM pingsvc.maintain_partitions()', '42501', NULL,
                 'ingest cannot run maintain_partitions()');
SELECT throws_ok($q$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap)
                    VALUES ('ping', '192.0.2.51', 'icmp', 'icmp')$q$, '42501', NULL,
                 'ingest cannot make jobs');
SELECT throws_ok($q$UPDATE pingsvc.workers SET token_hash = sha256('x')$q$, '42501', NULL,
                 'ingest cannot change token hashes');
SELECT throws_ok($q$UPDATE pingsvc.targets SET state = 'dead'$q$, '42501', NULL,
                 'ingest cannot change target states');
SELECT throws_ok($q$UPDATE pingsvc.results SET body = '{}'$q$, '42501', NULL,
                 'ingest cannot rewrite results');

SELECT lives_ok($q$INSERT INTO pingsvc.workers (name, token_hash, caps)
                   VALUES ('test-w2', sha256('other'), '{tcp}')$q$,
                'ingest can enrol a worker');
SELECT is((SELECT token_hash FROM pingsvc.workers WHERE name = 'test-w1'), sha256('secret'),
          'ingest can read token_hash to authenticate');
SELECT lives_ok($q$UPDATE pingsvc.workers SET last_seen = now(), version = '1.0', spool_depth = 3,
                          clock_offset_ms = -1.5
                    WHERE name = 'test-w1'$q$,
                'ingest can record a heartbeat');
SELECT lives_ok($q$WITH c AS (SELECT job_id FROM pingsvc.jobs
                              WHERE state = 'ready' AND not_before <= now()
                                AND required_cap = ANY ('{icmp,tcp}')
                              ORDER BY priority DESC, job_id
                              LIMIT 10 FOR UPDATE SKIP LOCKED)
                   UPDATE pingsvc.jobs j
                      SET state = 'leased', leased_at = now(), lease_expires = now() + interval '5 minutes',
                          attempts = j.attempts + 1,
                          worker_id = (SELECT worker_id FROM pingsvc.workers WHERE name = 'test-w1')
                     FROM c WHERE j.job_id = c.job_id$q$,
                'ingest can lease jobs (FOR UPDATE SKIP LOCKED)');
SELECT lives_ok($q$UPDATE pingsvc.jobs SET state = 'done', done_at = now()
                    WHERE target = '192.0.2.50' AND state = 'leased'$q$,
                'ingest can complete jobs');
SELECT lives_ok($q$WITH r AS (
                       INSERT INTO pingsvc.results (ts, worker_id, idem_key, type, af, target, body)
                       VALUES (now(), (SELECT worker_id FROM pingsvc.workers WHERE name = 'test-w1'),
                               'k1', 'traceroute', 4, '192.0.2.50', '{"type": "traceroute"}')
                       RETURNING result_id, ts)
                   INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts)
                   SELECT 'worker:1', 'k1', result_id, ts FROM r$q$,
                'ingest can store a result and its idempotency key');
SELECT lives_ok($q$WITH t AS (
                       INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, reached_ttl)
                       VALUES (2, 'test-w1', '192.0.2.50', now(), 'icmp', '{192.0.2.1,192.0.2.50}', true, 2)
                       RETURNING trace_id, ts)
                   INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms, reply_ttl, size)
                   SELECT trace_id, ts, 1, 0, '192.0.2.1', 1.25, 254, 68 FROM t$q$,
                'ingest can store traces and hops');
SELECT lives_ok($q$INSERT INTO pingsvc.links AS l (near, far, first_seen, last_seen)
                   VALUES ('192.0.2.1', '192.0.2.50', now(), now())
                   ON CONFLICT (near, far) DO UPDATE
                   SET last_seen = greatest(l.last_seen, excluded.last_seen), times_seen = l.times_seen + 1$q$,
                'ingest can upsert links');
SELECT lives_ok($q$INSERT INTO pingsvc.targets AS t (address, source, discovered_by_trace)
                   VALUES ('192.0.2.1', 'hop', 1)
                   ON CONFLICT (address) DO UPDATE SET last_seen = now()$q$,
                'ingest can feed hop addresses back to targets');
SELECT lives_ok($q$INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at,
                       old_path, new_path, old_reached, new_reached, diverge_ttl, rejoin_ttl, kind)
                   VALUES ('test-w1', '192.0.2.50', 'icmp', 1, now(), '{192.0.2.1,192.0.2.50}',
                           '{192.0.2.2,192.0.2.50}', true, true, 1, 2, 'hop')$q$,
                'ingest can record route changes');
SELECT lives_ok($q$SELECT nextval('pingsvc.traces_trace_id_seq')$q$,
                'ingest can reserve trace ids');
SELECT lives_ok($q$SELECT * FROM pingsvc.ensure_partitions('2024-02-01', '2024-02-02')$q$,
                'ingest can make partitions for an import');
RESET ROLE;

-- frontier: manages targets and jobs, reads everything but token hashes --------

SET LOCAL ROLE pingsvc_frontier;

SELECT lives_ok(format('SELECT * FROM pingsvc.%I LIMIT 1', tbl),
                format('frontier can SELECT from %s', tbl))
  FROM (SELECT tbl FROM t_tables WHERE tbl <> 'workers' UNION ALL SELECT 'partitions') AS v;
SELECT lives_ok('SELECT worker_id, name, caps, enabled FROM pingsvc.workers',
                'frontier can read the workers'' capabilities');
SELECT throws_ok('SELECT token_hash FROM pingsvc.workers', '42501', NULL,
                 'frontier cannot read workers.token_hash');
SELECT lives_ok($q$INSERT INTO pingsvc.targets (address, source, source_detail)
                   VALUES ('198.51.100.7', 'bootstrap', 'test-list')$q$,
                'frontier can add targets');
SELECT lives_ok($q$UPDATE pingsvc.targets SET next_due = now() + cooldown, state = 'responsive'
                    WHERE address = '198.51.100.7'$q$,
                'frontier can schedule targets');
SELECT lives_ok($q$DELETE FROM pingsvc.targets WHERE address = '198.51.100.7'$q$,
                'frontier can remove targets');
SELECT lives_ok($q$INSERT INTO pingsvc.jobs (kind, target, proto, port, required_cap)
                   VALUES ('ping', '198.51.100.8', 'tcp', 443, 'tcp')$q$,
                'frontier can make jobs');
SELECT lives_ok($q$UPDATE pingsvc.jobs SET priority = 5 WHERE target = '198.51.100.8'$q$,
                'frontier can reprioritise jobs');
SELECT lives_ok($q$DELETE FROM pingsvc.jobs WHERE target = '198.51.100.8'$q$,
                'frontier can cancel jobs');
SELECT lives_ok('SELECT * FROM pingsvc.maintain_partitions()',
                'frontier can run maintain_partitions()');
SELECT lives_ok($q$SELECT * FROM pingsvc.ensure_partitions('2024-03-01', '2024-03-02')$q$,
                'frontier can run ensure_partitions()');
SELECT throws_ok($q$INSERT INTO pingsvc.results (ts, type, af, target, body, source)
                    VALUES (now(), 'ping', 4, '192.0.2.9', '{}', 'atlas')$q$, '42501', NULL,
                 'frontier cannot store results');
SELECT throws_ok('DELETE FROM pingsvc.traces', '42501', NULL,
                 'frontier cannot delete traces');
SELECT throws_ok('TRUNCATE pingsvc.jobs', '42501', NULL,
                 'frontier cannot TRUNCATE the queue');
SELECT throws_ok('CREATE TABLE pingsvc.t_evil (i int)', '42501', NULL,
                 'frontier cannot CREATE tables in pingsvc');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
