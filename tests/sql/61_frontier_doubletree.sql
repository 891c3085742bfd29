-- 61_frontier_doubletree.sql: migration 0016.  schedule_cycle v3 gives a
-- vantage's first traceroute of a target (none of its recent traces is
-- that vantage's) the addresses other vantages saw on their newest paths
-- to it (params.stop_set: nearest the target first, no '*', never the
-- target, at most 32), and nothing to a re-trace, to a target nobody
-- traced, or when p_stop_sets is false; is_host_address v2
-- answers as version 1 and is no longer STRICT (so it is inlined).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(14);

-- --- is_host_address v2 -------------------------------------------------------
SELECT is(pingsvc.is_host_address('192.0.2.1'), true, 'is_host_address: an IPv4 host');
SELECT is(pingsvc.is_host_address('2001:db8::1/128'), true, 'is_host_address: an IPv6 host');
SELECT is(pingsvc.is_host_address('192.0.2.0/24'), false, 'is_host_address: a network');
SELECT is(pingsvc.is_host_address(NULL), NULL, 'is_host_address: NULL for NULL, as before');
SELECT is((SELECT proisstrict FROM pg_proc WHERE oid = 'pingsvc.is_host_address(inet)'::regprocedure),
          false, 'is_host_address is not STRICT (inlinable)');
SELECT throws_ok($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap)
                   VALUES ('ping', '192.0.2.0/24', 'icmp', 'icmp')$$,
                 '23514', NULL, 'the jobs CHECK still refuses a network');

-- --- schedule_cycle v3: stop sets ------------------------------------------------
SELECT hasnt_function('pingsvc', 'schedule_cycle',
                      ARRAY['integer', 'integer', 'integer', 'cidr[]', 'interval', 'integer'],
                      'the six-parameter schedule_cycle is gone');
INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen)
VALUES ('t61-a', sha256('t61-a'), '{icmp}', now()),
       ('t61-b', sha256('t61-b'), '{icmp}', now()),
       ('t61-c', sha256('t61-c'), '{icmp}', now());
INSERT INTO pingsvc.targets (address, source, state, next_due)
VALUES ('8.8.0.1', 'bootstrap', 'responsive', now() - interval '1 hour'),
       ('8.9.0.1', 'bootstrap', 'responsive', now() - interval '1 hour');
-- t61-a traced 8.8.0.1 twice (the newest counts), t61-b long ago (ignored).
DO $$ BEGIN PERFORM pingsvc.ensure_partitions(now() - interval '31 days', now()); END $$;
INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, reached_ttl)
VALUES (610001, 't61-a', '8.8.0.1', now() - interval '2 hours', 'icmp',
        '{203.0.113.9,203.0.113.8,8.8.0.1}', true, 3),
       (610002, 't61-a', '8.8.0.1', now() - interval '1 hour', 'icmp',
        '{203.0.113.1,NULL,203.0.113.5,8.8.0.1}', true, 4),
       (610003, 't61-b', '8.8.0.1', now() - interval '30 days', 'icmp',
        '{203.0.113.77,8.8.0.1}', true, 2);
SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT targets, trace_jobs FROM pingsvc.schedule_cycle(10, 4, 3)$$,
                  $$VALUES (2, 6)$$, 'two targets, three traceroutes each');
RESET ROLE;
SELECT is((SELECT params->'stop_set' FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
            WHERE j.kind = 'traceroute' AND j.target = '8.8.0.1' AND w.name = 't61-c'),
          '["203.0.113.5", "203.0.113.1"]'::jsonb,
          'a first trace: the newest path of the other vantage, nearest the target first, no *, no target');
SELECT is((SELECT params->'stop_set' FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
            WHERE j.kind = 'traceroute' AND j.target = '8.8.0.1' AND w.name = 't61-b'),
          '["203.0.113.5", "203.0.113.1"]'::jsonb,
          'a pair last traced 30 days ago (outside the 7 days) is discovered again');
SELECT is((SELECT count(*) FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
            WHERE j.kind = 'traceroute' AND j.target = '8.8.0.1' AND w.name = 't61-a'
              AND NOT j.params ? 'stop_set'), 1::bigint,
          'the re-trace of t61-a gets no stop set');
SELECT is((SELECT count(*) FROM pingsvc.jobs WHERE target = '8.9.0.1' AND params ? 'stop_set'), 0::bigint,
          'a target nobody traced: no stop set');
-- The same cycle with p_stop_sets false.
DELETE FROM pingsvc.jobs;
UPDATE pingsvc.targets SET next_due = now() - interval '1 hour';
SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT trace_jobs FROM pingsvc.schedule_cycle(10, 4, 3, p_stop_sets => false)$$,
                  $$VALUES (6)$$, 'p_stop_sets false: the same traceroutes');
RESET ROLE;
SELECT is((SELECT count(*) FROM pingsvc.jobs WHERE params ? 'stop_set'), 0::bigint,
          'p_stop_sets false: no stop set');

SELECT * FROM finish();
ROLLBACK;
