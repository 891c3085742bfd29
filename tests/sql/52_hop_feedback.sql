-- 52_hop_feedback.sql: hop addresses learned from traceroutes become
-- targets only when public: never private, shared, loopback, link-local,
-- multicast, reserved, documentation, benchmarking (unless allowed_ranges
-- says so) or opted-out addresses.  is_probe_allowed() table-driven, then
-- the feedback of process_results().
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(33);

SELECT has_table('pingsvc', t, 'table pingsvc.' || t || ' exists')
  FROM unnest(ARRAY['special_ranges', 'allowed_ranges', 'opt_outs']) AS t;
SELECT is((SELECT count(*) FROM pg_indexes WHERE schemaname = 'pingsvc'
             AND indexname IN ('special_ranges_prefix_gist', 'allowed_ranges_prefix_gist', 'opt_outs_prefix_gist')
             AND indexdef LIKE '%USING gist (prefix inet_ops)%'), 3::bigint,
          'the three range tables have GiST inet_ops indexes');
SELECT ok((SELECT count(*) FROM pingsvc.special_ranges WHERE source LIKE 'iana-%') >= 40,
          'the IANA special-purpose registries are loaded');

INSERT INTO pingsvc.opt_outs (prefix, contact, reason) VALUES ('185.0.0.0/24', 'noc@example.net', 'test');

SELECT is(pingsvc.is_probe_allowed(a), e, format('is_probe_allowed(%s) = %s (%s)', a, e, why))
  FROM (VALUES ('10.1.2.3'::inet, false, 'private'), ('172.16.0.1', false, 'private'),
               ('192.168.1.1', false, 'private'), ('100.64.0.1', false, 'shared'),
               ('127.0.0.1', false, 'loopback'), ('169.254.1.1', false, 'link-local'),
               ('224.0.0.5', false, 'multicast'), ('240.0.0.1', false, 'reserved'),
               ('192.0.2.7', false, 'documentation'), ('198.18.0.5', false, 'benchmarking'),
               ('185.0.0.9', false, 'opted out'), ('192.0.0.9', true, 'globally reachable inside 192.0.0.0/24'),
               ('193.0.14.129', true, 'public'),
               ('fe80::1', false, 'link-local'), ('2001:db8::1', false, 'documentation'),
               ('fc00::1', false, 'unique-local'), ('ff02::1', false, 'multicast'),
               ('::ffff:8.8.8.8', false, 'IPv4-mapped'), ('2a00:1450::1', true, 'public')) AS v(a, e, why);

-- Traceroutes through every kind of address.
CREATE TEMP TABLE t_ids ON COMMIT DROP AS
WITH r AS (
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    SELECT date_trunc('second', now()) - interval '1 minute', 'traceroute', a.af, a.dst, 'atlas',
           jsonb_build_object('type', 'traceroute', 'af', a.af, 'proto', 'ICMP', 'prb_id', 5252,
                              'dst_addr', a.dst, 'paris_id', 1,
                              'result', (SELECT jsonb_agg(jsonb_build_object('hop', h.n, 'result',
                                                 jsonb_build_array(jsonb_build_object('from', h.addr, 'rtt', h.n)))
                                                 ORDER BY h.n)
                                           FROM unnest(a.hops) WITH ORDINALITY AS h(addr, n)))
      FROM (VALUES (4, '203.0.113.50'::inet,
                    ARRAY['10.0.0.1', '100.64.0.1', '192.0.2.7', '193.0.14.129', '198.18.0.5',
                          '169.254.1.1', '240.0.0.1', '185.0.0.9', '193.0.14.130']),
                   (6, '2001:db8::50'::inet,
                    ARRAY['fe80::1', 'fc00::1', '2001:db8::7', '2a00:1450::1'])) AS a(af, dst, hops)
    RETURNING result_id)
SELECT result_id FROM r;
GRANT SELECT ON t_ids TO PUBLIC;

-- A known target (manual) seen as a hop gets last_seen advanced, nothing else.
INSERT INTO pingsvc.targets (address, source, first_seen, last_seen)
VALUES ('193.0.14.130', 'manual', now() - interval '1 day', now() - interval '1 day');

SET LOCAL ROLE pingsvc_ingest;
SELECT results_eq($$SELECT traces, new_targets FROM pingsvc.process_results(ARRAY(SELECT result_id FROM t_ids))$$,
                  $$VALUES (2, 2)$$, 'two traces, two new targets');
RESET ROLE;

SELECT results_eq($$SELECT g.address, g.source, g.first_seen = t.ts, g.discovered_by_trace = t.trace_id
                      FROM pingsvc.targets g
                      JOIN pingsvc.traces t ON t.result_id IN (SELECT result_id FROM t_ids)
                                           AND family(t.target) = family(g.address)
                     WHERE g.source = 'hop' ORDER BY g.address$$,
                  $$VALUES ('193.0.14.129'::inet, 'hop', true, true), ('2a00:1450::1', 'hop', true, true)$$,
                  'only the public hops became targets, with first_seen and discovered_by_trace');
SELECT results_eq($$SELECT source, last_seen > now() - interval '1 hour' FROM pingsvc.targets WHERE address = '193.0.14.130'$$,
                  $$VALUES ('manual', true)$$,
                  'a known target seen as a hop keeps its source and gets last_seen advanced');
SELECT is((SELECT count(*) FROM pingsvc.targets
            WHERE NOT pingsvc.is_probe_allowed(address)), 0::bigint,
          'no private, shared, documentation, benchmarking, reserved, link-local or opted-out target');

-- The lab's range becomes allowed when a row says so.
INSERT INTO pingsvc.allowed_ranges (prefix, reason) VALUES ('198.18.0.0/15', 'network lab');
SELECT ok(pingsvc.is_probe_allowed('198.18.0.5'), 'allowed_ranges permits the benchmarking range');
SELECT ok(NOT pingsvc.is_probe_allowed('192.0.2.7'), '... and nothing else');
INSERT INTO pingsvc.allowed_ranges (prefix, reason) VALUES ('185.0.0.0/16', 'does not beat an opt-out');
SELECT ok(NOT pingsvc.is_probe_allowed('185.0.0.9'), 'an opt-out wins over allowed_ranges');

WITH r AS (
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    VALUES (date_trunc('second', now()), 'traceroute', 4, '198.18.1.1', 'atlas',
            '{"type": "traceroute", "af": 4, "proto": "ICMP", "prb_id": 5252, "dst_addr": "198.18.1.1",
              "result": [{"hop": 1, "result": [{"from": "198.18.0.5", "rtt": 1}]},
                         {"hop": 2, "result": [{"from": "192.0.2.7", "rtt": 2}]},
                         {"hop": 3, "result": [{"from": "198.18.1.1", "rtt": 3}]}]}')
    RETURNING result_id)
SELECT results_eq(format('SELECT new_targets FROM pingsvc.process_results(%L)', ARRAY(SELECT result_id FROM r)),
                  $$VALUES (2)$$, 'with the lab range allowed, its hops (and the reached target) become targets');
SELECT results_eq($$SELECT address FROM pingsvc.targets WHERE address << '198.18.0.0/15' ORDER BY 1$$,
                  $$VALUES ('198.18.0.5'::inet), ('198.18.1.1')$$, 'the lab addresses are targets now');

SELECT * FROM finish();
ROLLBACK;
