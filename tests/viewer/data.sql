-- data.sql: a small measured world for tests/integration/viewer_pages.t.
-- Two vantages (lab-a online in Paris, lab-b offline), three traces to
-- 192.0.2.50 (one with a '*'), three route changes (10 minutes, 1 day and
-- 3 days ago, touching AS64496; AS64499; AS64497 and AS64499), links,
-- geolocations with countries, AS prefixes, pings, jobs in every state the
-- pages count.  Addresses are documentation and
-- benchmarking ranges.
\set ON_ERROR_STOP 1
INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen, version, location, location_label)
VALUES ('lab-a', sha256('a'), '{icmp,udp}', now() - interval '30 seconds', '0.1',
        'SRID=4326;POINT(2.35 48.85)', '<script>alert(1)</script> Paris'),
       ('lab-b', sha256('b'), '{tcp}', now() - interval '1 day', '0.1', NULL, NULL);

INSERT INTO pingsvc.targets (address, source, state, first_seen, last_seen)
VALUES ('192.0.2.50', 'bootstrap', 'responsive', now() - interval '3 hours', now()),
       ('198.51.100.7', 'hop', 'new', now() - interval '2 hours', now()),
       ('203.0.113.9', 'hop', 'new', now() - interval '90 minutes', now());

INSERT INTO pingsvc.jobs (kind, target, proto, required_cap)
VALUES ('traceroute', '192.0.2.50', 'icmp', 'icmp');
INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, done_at, attempts, last_error)
VALUES ('traceroute', '192.0.2.50', 'icmp', 'icmp', 'failed', now(), 3, 'lease expired');

INSERT INTO pingsvc.traces (trace_id, result_id, vantage, worker_id, target, ts, proto, paris_id, path, reached, reached_ttl)
VALUES (1001, 1, 'lab-a', (SELECT worker_id FROM pingsvc.workers WHERE name = 'lab-a'),
        '192.0.2.50', now() - interval '60 minutes', 'icmp', 1,
        '{198.18.0.1,203.0.113.9,198.51.100.7,192.0.2.50}', true, 4),
       (1002, 2, 'lab-a', (SELECT worker_id FROM pingsvc.workers WHERE name = 'lab-a'),
        '192.0.2.50', now() - interval '10 minutes', 'icmp', 1,
        '{198.18.0.1,NULL,198.51.100.7,192.0.2.50}', true, 4),
       (1003, 3, 'lab-b', (SELECT worker_id FROM pingsvc.workers WHERE name = 'lab-b'),
        '192.0.2.50', now() - interval '20 minutes', 'icmp', 1,
        '{198.18.1.1,198.51.100.7,192.0.2.50}', true, 3);

-- The route history process_results() would keep for these traces: lab-a
-- on its first path, then (10 minutes ago) on the one with a '*'; lab-b on
-- one path.  The graph, map and target pages read it
-- (tests/integration/viewer_pages.t also checks them without it).
INSERT INTO pingsvc.flows (flow_id, vantage, target, proto, paris_id, first_seen, last_ts, traces,
                           cur_path, cur_reached_ttl, cur_since, cur_last_at, cur_traces,
                           traces_since_change, changes)
SELECT 1, 'lab-a', '192.0.2.50'::inet, 'icmp', 1, a.ts, b.ts, 2, b.path, 4, b.ts, b.ts, 1, 1, 1
  FROM pingsvc.traces a, pingsvc.traces b WHERE a.trace_id = 1001 AND b.trace_id = 1002
UNION ALL
SELECT 2, 'lab-b', '192.0.2.50'::inet, 'icmp', 1, c.ts, c.ts, 1, c.path, 3, c.ts, c.ts, 1, 1, 0
  FROM pingsvc.traces c WHERE c.trace_id = 1003;
INSERT INTO pingsvc.flow_paths (flow_id, seq, path, reached_ttl, valid_from, valid_to, last_seen, traces)
SELECT 1, 1, a.path, 4, a.ts, b.ts, a.ts, 1
  FROM pingsvc.traces a, pingsvc.traces b WHERE a.trace_id = 1001 AND b.trace_id = 1002
UNION ALL
SELECT 1, 2, path, 4, ts, NULL, ts, 1 FROM pingsvc.traces WHERE trace_id = 1002
UNION ALL
SELECT 2, 1, path, 3, ts, NULL, ts, 1 FROM pingsvc.traces WHERE trace_id = 1003;
SELECT setval(pg_get_serial_sequence('pingsvc.flows', 'flow_id'), 2);

INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
SELECT t.trace_id, t.ts, u.i, 0, u.p, 5.0 * u.i + t.trace_id % 3
  FROM pingsvc.traces t, unnest(t.path) WITH ORDINALITY u(p, i)
 WHERE t.trace_id IN (1001, 1002, 1003) AND u.p IS NOT NULL;

INSERT INTO pingsvc.links (near, far, first_seen, last_seen, times_seen)
VALUES ('198.18.0.1', '203.0.113.9', now() - interval '1 hour', now() - interval '1 hour', 1),
       ('203.0.113.9', '198.51.100.7', now() - interval '1 hour', now() - interval '1 hour', 1),
       ('198.51.100.7', '192.0.2.50', now() - interval '1 hour', now(), 3),
       ('198.18.1.1', '198.51.100.7', now() - interval '20 minutes', now(), 1);

INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                   old_path, new_path, old_reached, new_reached,
                                   diverge_ttl, rejoin_ttl, kind)
VALUES ('lab-a', '192.0.2.50', 'icmp', 1, now() - interval '10 minutes', now() - interval '60 minutes',
        '{198.18.0.1,203.0.113.9,198.51.100.7,192.0.2.50}',
        '{198.18.0.1,198.18.5.5,198.51.100.7,192.0.2.50}', true, true, 2, 3, 'hop');
INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                   old_path, new_path, old_reached, new_reached,
                                   diverge_ttl, rejoin_ttl, kind, changed_hops)
VALUES ('lab-b', '192.0.2.50', 'icmp', 1, now() - interval '1 day', now() - interval '25 hours',
        '{198.18.1.1,198.51.100.7,192.0.2.50}', '{198.18.1.1,203.0.113.9,192.0.2.50}',
        true, true, 2, 3, 'hop', '{203.0.113.9}'),
       ('lab-a', '192.0.2.50', 'icmp', 1, now() - interval '3 days', now() - interval '73 hours',
        '{198.18.0.1,198.18.5.5,192.0.2.50}', '{198.18.0.1,198.51.100.7,203.0.113.9,192.0.2.50}',
        true, true, 2, 4, 'length', '{198.51.100.7,203.0.113.9}');

-- Origin ASes (documentation AS numbers, RFC 5398).
INSERT INTO pingsvc.as_prefixes (prefix, asn, source)
VALUES ('198.18.0.0/15', 64496, 'test'), ('198.51.100.0/24', 64497, 'test'),
       ('192.0.2.0/24', 64498, 'test'), ('203.0.113.0/24', 64499, 'test');

INSERT INTO pingsvc.geolocations (prefix, location, country, source)
VALUES ('198.18.0.0/24', 'SRID=4326;POINT(2.4 48.9)', 'FR', 'test'),
       ('203.0.113.0/24', 'SRID=4326;POINT(-0.1 51.5)', 'GB', 'test'),
       ('198.51.100.0/24', 'SRID=4326;POINT(8.7 50.1)', 'DE', 'test'),
       ('192.0.2.0/24', 'SRID=4326;POINT(-74.0 40.7)', 'US', 'test'),
       ('198.18.1.0/24', 'SRID=4326;POINT(139.7 35.7)', 'JP', 'test');

INSERT INTO pingsvc.results (ts, worker_id, type, af, target, body)
SELECT now() - (i || ' minutes')::interval,
       (SELECT worker_id FROM pingsvc.workers WHERE name = 'lab-a'),
       'ping', 4, '192.0.2.50',
       jsonb_build_object('type', 'ping', 'dst_addr', '192.0.2.50',
                          'result', jsonb_build_array(jsonb_build_object('rtt', 20 + i % 7),
                                                      jsonb_build_object('rtt', 22 + i % 5)))
  FROM generate_series(1, 50, 3) i;
