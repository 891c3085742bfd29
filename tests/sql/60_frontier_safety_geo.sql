-- 60_frontier_safety_geo.sql: migration 0011.  The NAT64 prefix refused
-- alike by special_ranges and frontier_special_purpose(); load_bogons()
-- replaces the bogon rows only, and hop feedback and schedule_cycle honour
-- a freshly loaded bogon at once; estimate_hop_locations() on geometry
-- checked by hand (two vantages 1000 km apart on the equator, discs of
-- 600 km: a lens of 90,035 km² centred half way).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(39);

-- --- 64:ff9b::/96 -------------------------------------------------------
SELECT is((SELECT globally_reachable FROM pingsvc.special_ranges WHERE prefix = '64:ff9b::/96'), false,
          'special_ranges: 64:ff9b::/96 (NAT64) is not globally reachable');
SELECT ok(NOT pingsvc.is_probe_allowed('64:ff9b::808:808'), 'is_probe_allowed refuses a NAT64 address');
SELECT ok(pingsvc.frontier_special_purpose('64:ff9b::808:808'), 'frontier_special_purpose refuses it too');
-- Every edge of every special range: the two rules agree (before 0011
-- 64:ff9b::/96 was the one disagreement).
SELECT is((SELECT count(*)
             FROM (SELECT DISTINCT x
                     FROM pingsvc.special_ranges s,
                          LATERAL (VALUES (host(network(s.prefix))::inet),
                                          (host(broadcast(s.prefix))::inet),
                                          (CASE WHEN masklen(s.prefix) < CASE family(s.prefix) WHEN 4 THEN 32 ELSE 128 END
                                                THEN host(network(s.prefix))::inet + 1 END)) v(x)
                    WHERE x IS NOT NULL) a
            WHERE pingsvc.frontier_special_purpose(a.x) = pingsvc.is_probe_allowed(a.x)), 0::bigint,
          'frontier_special_purpose() and special_ranges agree on the edges of every special range');

-- --- load_bogons ----------------------------------------------------------
SELECT has_function('pingsvc', 'load_bogons', ARRAY['cidr[]', 'text'], 'load_bogons(cidr[], text) exists');
SELECT ok(has_function_privilege('pingsvc_frontier', 'pingsvc.load_bogons(cidr[], text)', 'EXECUTE'),
          'the frontier may load bogons');
SELECT ok(NOT has_function_privilege('pingsvc_analyst', 'pingsvc.load_bogons(cidr[], text)', 'EXECUTE'),
          'analysts may not');
CREATE TEMP TABLE t_special ON COMMIT DROP AS
    SELECT prefix, name, kind, globally_reachable, source FROM pingsvc.special_ranges;

SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT * FROM pingsvc.load_bogons('{77.77.0.0/16,10.0.0.0/8,77.77.0.0/16,2a0f:0::/32}', 'list-a')$$,
                  $$VALUES (0, 2, 1)$$,
                  'first load: two bogons added, 10.0.0.0/8 already special, the duplicate once');
RESET ROLE;
SELECT results_eq($$SELECT prefix, source FROM pingsvc.special_ranges WHERE kind = 'bogon' ORDER BY prefix$$,
                  $$VALUES ('77.77.0.0/16'::cidr, 'list-a'), ('2a0f::/32', 'list-a')$$, 'the bogon rows');
SELECT ok(NOT pingsvc.is_probe_allowed('77.77.1.1'), 'an address in a fresh bogon is refused by is_probe_allowed');
SELECT is((SELECT kind FROM pingsvc.special_ranges WHERE prefix = '10.0.0.0/8'), 'private',
          '10.0.0.0/8 stays the IANA row');

SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT * FROM pingsvc.load_bogons('{88.88.0.0/16}', 'list-b')$$,
                  $$VALUES (2, 1, 0)$$, 'second load replaces the bogon part');
RESET ROLE;
SELECT is((SELECT count(*) FROM pingsvc.special_ranges WHERE kind = 'bogon'), 1::bigint, 'one bogon row left');
SELECT ok(pingsvc.is_probe_allowed('77.77.1.1'), 'the old bogon is probeable again');
SELECT is((SELECT count(*) FROM (SELECT prefix, name, kind, globally_reachable, source FROM pingsvc.special_ranges
                                   WHERE kind <> 'bogon'
                                  EXCEPT SELECT * FROM t_special) d), 0::bigint,
          'the special-purpose rows are untouched');
SELECT throws_ok($$SELECT * FROM pingsvc.load_bogons('{}', 'x')$$, '22023', NULL, 'an empty list is refused');
SELECT throws_ok($$SELECT * FROM pingsvc.load_bogons('{1.2.3.0/24,NULL}', 'x')$$, '22004', NULL,
                 'a NULL element is refused');
SELECT throws_ok($$SELECT * FROM pingsvc.load_bogons('{1.2.3.0/24}', '')$$, '22023', NULL,
                 'an empty source name is refused');
SELECT is((SELECT count(*) FROM pingsvc.special_ranges WHERE kind = 'bogon'), 1::bigint,
          'failed loads changed nothing');

-- A hop inside the fresh bogon 88.88.0.0/16 never becomes a target ...
CREATE TEMP TABLE t_res ON COMMIT DROP AS
WITH r AS (
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    VALUES (date_trunc('second', now()), 'traceroute', 4, '193.0.14.129', 'atlas',
            '{"type": "traceroute", "af": 4, "proto": "ICMP", "prb_id": 6060, "dst_addr": "193.0.14.129",
              "result": [{"hop": 1, "result": [{"from": "88.88.1.1", "rtt": 1}]},
                         {"hop": 2, "result": [{"from": "193.0.14.129", "rtt": 2}]}]}')
    RETURNING result_id)
SELECT result_id FROM r;
GRANT SELECT ON t_res TO PUBLIC;
SET LOCAL ROLE pingsvc_ingest;
SELECT results_eq($$SELECT new_targets FROM pingsvc.process_results(ARRAY(SELECT result_id FROM t_res))$$,
                  $$VALUES (1)$$, 'hop feedback: only the public hop became a target');
RESET ROLE;
SELECT is((SELECT count(*) FROM pingsvc.targets WHERE address = '88.88.1.1'), 0::bigint,
          'the hop inside the fresh bogon is no target');

-- ... and a target that was known before the bogon was listed gets no job,
-- while one inside a more specific, globally reachable range does (the
-- most specific range decides, as in is_probe_allowed).
INSERT INTO pingsvc.special_ranges (prefix, name, kind, globally_reachable, source)
VALUES ('88.88.5.0/24', 'Reachable inside the bogon', 'protocol', true, 't60');
SELECT ok(pingsvc.is_probe_allowed('88.88.5.1'), 'is_probe_allowed: a reachable range inside a bogon wins');
INSERT INTO pingsvc.targets (address, source, state, next_due)
VALUES ('88.88.2.1', 'bootstrap', 'responsive', now() - interval '1 hour'),
       ('88.88.5.1', 'bootstrap', 'new', now() - interval '1 hour'),
       ('89.89.2.1', 'bootstrap', 'responsive', now() - interval '1 hour');
INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen)
VALUES ('t60-w1', sha256('t60-w1'), '{icmp,udp,tcp}', now());
SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT targets, skipped FROM pingsvc.schedule_cycle(100)$$,
                  $$VALUES (3, 1)$$, 'schedule_cycle: the bogon target is skipped, the reachable one inside it is not');
RESET ROLE;
SELECT is((SELECT count(*) FROM pingsvc.jobs WHERE target = '88.88.2.1'), 0::bigint,
          'no job for the target inside the bogon');
SELECT is((SELECT count(*) FROM pingsvc.jobs WHERE target = '89.89.2.1' AND kind = 'ping'), 1::bigint,
          'its public neighbour got its ping');
SELECT ok((SELECT next_due > now() FROM pingsvc.targets WHERE address = '88.88.2.1'),
          'the bogon target waits a cooldown, off the head of the queue');

-- --- geolocations v2 and the RTT-constraint estimate ----------------------
SELECT has_column('pingsvc', 'geolocations', c, 'geolocations.' || c)
  FROM unnest(ARRAY['method', 'area_km2']) AS c;
SELECT ok(has_column_privilege('pingsvc_frontier', 'pingsvc.workers', 'location', 'UPDATE'),
          'the frontier may record worker locations');

-- Vantages: A at 0°N 0°E, B 1000 km east on the equator (1° of longitude
-- is 111.3195 km there on WGS 84), C at 40°N far away.
INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen, location)
VALUES ('t60-a', sha256('t60-a'), '{icmp}', now(), 'SRID=4326;POINT(0 0)'),
       ('t60-b', sha256('t60-b'), '{icmp}', now(), 'SRID=4326;POINT(8.983152841 0)'),
       ('t60-c', sha256('t60-c'), '{icmp}', now(), 'SRID=4326;POINT(0 40)'),
       ('t60-nowhere', sha256('t60-n'), '{icmp}', now(), NULL);
-- One trace per (vantage, hop) with the minimum RTT given, and a slower
-- second reply that must not count.
CREATE TEMP TABLE t_obs (vantage text, address inet, rtt double precision) ON COMMIT DROP;
INSERT INTO t_obs VALUES
    ('t60-a', '45.1.1.1', 6), ('t60-b', '45.1.1.1', 6), ('t60-c', '45.1.1.1', 80),
    ('t60-nowhere', '45.1.1.1', 0.1),
    ('t60-a', '45.2.2.2', 4), ('t60-b', '45.2.2.2', 4),       -- discs 400 km: no overlap
    ('t60-a', '45.3.3.3', 5),                                 -- one vantage only
    ('t60-a', '45.4.4.4', 6), ('t60-b', '45.4.4.4', 6),       -- covered by a geofeed row
    ('t60-a', '10.9.9.9', 6), ('t60-b', '10.9.9.9', 6);       -- private: never located
WITH tr AS (
    INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, reached_ttl)
    SELECT 900000 + row_number() OVER (), o.vantage, o.address, now() - interval '1 hour', 'icmp',
           ARRAY[o.address], true, 1
      FROM t_obs o
    RETURNING trace_id, ts, target, vantage)
INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
SELECT tr.trace_id, tr.ts, 1, p, tr.target, o.rtt + p * 3
  FROM tr JOIN t_obs o ON o.address = tr.target AND o.vantage = tr.vantage,
       generate_series(0, 1) AS p;
INSERT INTO pingsvc.geolocations (prefix, location, country, source, method)
VALUES ('45.4.4.0/24', 'SRID=4326;POINT(2 48)', 'FR', 't60-feed', 'geofeed');

SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT estimated, inconsistent, removed FROM pingsvc.estimate_hop_locations()$$,
                  $$VALUES (1, 1, 0)$$,
                  'estimate: one hop located, one with contradicting discs, none removed');
RESET ROLE;
SELECT results_eq($$SELECT prefix, method, source, vantages FROM pingsvc.geolocations WHERE method = 'rtt_constraint'$$,
                  $$VALUES ('45.1.1.1/32'::cidr, 'rtt_constraint', 'rtt', 3)$$,
                  'one /32 row, three located vantages');
SELECT cmp_ok((SELECT ST_Distance(location, 'SRID=4326;POINT(4.4915764 0)'::geography) / 1000
                 FROM pingsvc.geolocations WHERE prefix = '45.1.1.1/32'), '<', 5::float8,
              'the centroid lies within 5 km of the midpoint of A and B');
SELECT cmp_ok((SELECT abs(area_km2 / 90035 - 1) FROM pingsvc.geolocations WHERE prefix = '45.1.1.1/32'),
              '<', 0.03::float8,
              'the area is the lens of two 600 km discs 1000 km apart (90,035 km², within 3 %)');
SELECT cmp_ok((SELECT abs(radius_km / sqrt(90035 / pi()) - 1) FROM pingsvc.geolocations WHERE prefix = '45.1.1.1/32'),
              '<', 0.03::float8, 'radius_km: the radius of a disc of that area');
SELECT cmp_ok((SELECT ST_XMax(ST_Intersection(ST_Buffer('SRID=4326;POINT(0 0)'::geography, 600000),
                                              ST_Buffer('SRID=4326;POINT(8.983152841 0)'::geography, 600000))::geometry)
                      - ST_XMin(ST_Intersection(ST_Buffer('SRID=4326;POINT(0 0)'::geography, 600000),
                                                ST_Buffer('SRID=4326;POINT(8.983152841 0)'::geography, 600000))::geometry))
                     * 111.3195, '<', 205::float8,
              'the lens is 200 km wide along the equator (2r - d)');
SELECT is((SELECT count(*) FROM pingsvc.geolocations WHERE prefix IN ('45.2.2.2/32', '45.3.3.3/32', '45.4.4.4/32', '10.9.9.9/32')),
          0::bigint, 'nothing for contradicting discs, a single vantage, a hop with a geofeed row, a private hop');

-- Real data arriving later replaces the estimate.
INSERT INTO pingsvc.geolocations (prefix, location, country, source, method)
VALUES ('45.1.1.0/24', 'SRID=4326;POINT(5 0)', 'GA', 't60-db', 'database');
SET LOCAL ROLE pingsvc_frontier;
SELECT results_eq($$SELECT estimated, removed FROM pingsvc.estimate_hop_locations()$$,
                  $$VALUES (0, 1)$$, 'an estimate covered by database data is removed');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM pingsvc.estimate_hop_locations('7 days', 0)$$, '22023', NULL,
                 'at least one vantage');

-- The aggregate on its own.
SELECT ok((SELECT ST_IsEmpty(pingsvc.geography_intersection(g)::geometry)
             FROM (VALUES (ST_Buffer('SRID=4326;POINT(0 0)'::geography, 1000)),
                          (ST_Buffer('SRID=4326;POINT(1 0)'::geography, 1000))) v(g)),
          'geography_intersection: discs far apart intersect in nothing');

SELECT * FROM finish();
ROLLBACK;
