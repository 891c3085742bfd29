-- 65_extract_v2.sql: extract_results_ids() version 2 (0021) stores the
-- rows version 1 stores on the corner cases 51_extraction does not cover:
-- a result repeating hop numbers (probes numbered across its entries,
-- "dup" and non-object probes left out before counting, "err": null), out
-- of range and string-typed numbers, numeric and letter "err" codes,
-- icmpext shapes, non-string and non-canonical "from", hop numbers as
-- strings, out of range or fractional, non-object entries, IPv6 with a
-- family mismatch and an out of range paris_id, probes after the 64th,
-- ties between responders, entries without an answer, hop 255 answered and after 254; GSS; counts,
-- trace ids and idempotence.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(8);

CREATE TEMP TABLE t_in (label text PRIMARY KEY, target inet, body jsonb) ON COMMIT DROP;
INSERT INTO t_in VALUES
('rep', '198.51.100.9', '{"prb_id": 1, "proto": "UDP", "paris_id": 2, "result": [
  {"hop": 1, "result": [{"from": "192.0.2.1", "rtt": 1.0}, {"from": "192.0.2.1", "dup": true, "rtt": 1.5}, {"x": "*"}]},
  {"hop": 2, "result": [{"from": "192.0.2.2", "rtt": 2.0}, "junk", 5, {"from": "192.0.2.22", "rtt": 2.1}]},
  {"hop": 1, "result": [{"from": "192.0.2.11", "rtt": 1.1}, {"from": "192.0.2.11", "rtt": 1.2}]},
  {"hop": 2, "result": [{"from": "198.51.100.9", "rtt": 2.2, "err": null}]},
  {"hop": 3, "result": [{"from": "198.51.100.9", "rtt": 3.0, "err": "N", "ttl": 300, "size": -1}]}]}'),
('nums', '198.51.100.9', '{"prb_id": 2, "result": [
  {"hop": 1, "result": [{"from": "192.0.2.1", "rtt": "1.0", "ttl": "64", "size": "28", "err": 300},
                        {"from": "192.0.2.1", "rtt": -1, "ttl": 255.6, "size": 65536, "err": 255},
                        {"from": "192.0.2.1", "rtt": 60000, "ttl": -0.4, "size": 0, "err": "X"},
                        {"from": "192.0.2.1", "rtt": 59999.9, "ttl": 0, "size": 65535, "err": "A", "icmpext": null},
                        {"from": 12, "rtt": 1}, {"from": null}, {"from": "010.0.0.1"}, {"from": "2001:db8::1"},
                        {"from": "192.0.2.5", "icmpext": {"obj": [{"mpls": [{"label": 1}, {"label": 2}]}, {"mpls": []}, {"class": 2}]}},
                        {"from": "192.0.2.6", "icmpext": {"obj": "x"}}, {"from": "192.0.2.7", "icmpext": [1]},
                        {"from": "192.0.2.8", "err": {"a": 1}}, {"from": "192.0.2.9", "err": "p"}, {"from": "192.0.2.10", "err": "P"}, {"from": "192.0.2.11", "err": "H"}]},
  {"hop": "2", "result": [{"from": "192.0.2.2"}]}, {"hop": 2.5, "result": []}, {"hop": 0, "result": [{"from": "192.0.2.3"}]},
  {"hop": 256, "result": [{"from": "192.0.2.4"}]}, {"hop": 4, "result": {"from": "192.0.2.4"}}, "junk", null, [1,2],
  {"hop": 5}, {"hop": 255, "result": [{"x": "*"}]}]}'),
('v6', '2001:db8::99', '{"prb_id": 3, "proto": "tcp", "paris_id": 70000, "result": [
  {"hop": 1, "result": [{"from": "2001:db8::1", "rtt": 1}, {"from": "192.0.2.1", "rtt": 1}, {"from": "2001:DB8::0:1", "rtt": 2}, {"from": "fe80::1%eth0"}]},
  {"hop": 2, "result": [{"from": "2001:db8::99", "rtt": 3}]}, {"hop": 255, "result": [{"x": "*"}]}]}'),
('t255', '198.51.100.9', '{"prb_id": 4, "result": [
  {"hop": 1, "result": [{"from": "192.0.2.1"}]}, {"hop": 254, "result": [{"x": "*"}]}, {"hop": 255, "result": [{"x": "*"}]}]}'),
('a255', '198.51.100.9', '{"prb_id": 5, "result": [
  {"hop": 1, "result": [{"from": "192.0.2.1"}]}, {"hop": 255, "result": [{"from": "198.51.100.9"}]}]}'),
('only255', '198.51.100.9', '{"prb_id": 6, "stop_reason": "GSS", "result": [{"hop": 255, "result": [{"x": "*"}]}]}'),
('many', '198.51.100.9', jsonb_build_object('prb_id', 7, 'result', jsonb_build_array(
   jsonb_build_object('hop', 1, 'result', (SELECT jsonb_agg(jsonb_build_object('from', '192.0.2.' || (g % 3 + 1), 'rtt', g)) FROM generate_series(1, 70) g)),
   jsonb_build_object('hop', 2, 'result', (SELECT jsonb_agg(jsonb_build_object('from', '192.0.2.9', 'rtt', g)) FROM generate_series(1, 40) g)),
   jsonb_build_object('hop', 2, 'result', (SELECT jsonb_agg(jsonb_build_object('from', '192.0.2.10', 'rtt', g)) FROM generate_series(1, 40) g))))),
('nores', '198.51.100.9', '{"prb_id": 8, "result": {"hop": 1}}'),
('noent', '198.51.100.9', '{"prb_id": 9, "result": ["x", {"hop": 0}]}'),
('strres', '198.51.100.9', '{"prb_id": 10, "result": "abc"}'),
('badproto', '198.51.100.9', '{"prb_id": 11, "proto": "sctp", "result": [{"hop": 1, "result": [{"from": "192.0.2.1"}]}]}'),
('badprb', '198.51.100.9', '{"prb_id": "x y", "result": [{"hop": 1, "result": [{"from": "192.0.2.1"}]}]}'),
('emptyprobes', '198.51.100.9', '{"prb_id": 12, "result": [{"hop": 3, "result": []}, {"hop": 1, "result": [{"x": "*"}]}]}'),
('tie', '198.51.100.9', '{"prb_id": 13, "result": [{"hop": 1, "result": [{"from": "192.0.2.2"}, {"from": "192.0.2.1"}, {"from": "192.0.2.1"}, {"from": "192.0.2.2"}]},
   {"hop": 2, "result": [{"dup": true, "from": "192.0.2.7"}, {"from": "192.0.2.8"}, {"from": "192.0.2.7"}]}]}');
CREATE TEMP TABLE t_ids ON COMMIT DROP AS
WITH r AS (
    INSERT INTO pingsvc.results (ts, type, af, target, body, source)
    SELECT date_trunc('second', now()), 'traceroute', family(target), target, body, 'atlas'
      FROM t_in ORDER BY label
    RETURNING result_id, body ->> 'prb_id' AS prb)
SELECT t.label, r.result_id FROM r JOIN t_in t ON t.body ->> 'prb_id' = r.prb;

CREATE TEMP TABLE t_out ON COMMIT DROP AS
SELECT * FROM pingsvc.extract_results_ids((SELECT array_agg(result_id) FROM t_ids));

SELECT is((SELECT (traces, hops) FROM t_out), (9, 159), 'nine traces (the others malformed) and 159 hop rows');
SELECT is((SELECT trace_ids FROM t_out),
          (SELECT array_agg(trace_id ORDER BY trace_id) FROM pingsvc.traces
            WHERE result_id IN (SELECT result_id FROM t_ids)),
          'the new trace ids, in order');

SELECT results_eq(
    $$SELECT i.label, t.path::text[], t.reached, t.reached_ttl::integer, t.paris_id, t.proto, d.detect
        FROM t_ids i JOIN pingsvc.traces t USING (result_id)
        JOIN pingsvc.derive_queue d USING (trace_id, ts)
       WHERE i.label NOT IN ('t255', 'a255', 'only255')
       ORDER BY i.label$$,
    $$VALUES ('emptyprobes', '{NULL,NULL,NULL}'::text[], false, NULL::integer, NULL::integer, 'icmp', true),
             ('many', '{192.0.2.2/32,192.0.2.9/32}', false, NULL, NULL, 'icmp', true),
             ('nums', '{192.0.2.1/32,192.0.2.2/32,NULL,NULL,NULL}', false, NULL, NULL, 'icmp', true),
             ('rep', '{192.0.2.11/32,192.0.2.2/32,198.51.100.9/32}', true, 2, 2, 'udp', true),
             ('tie', '{192.0.2.2/32,192.0.2.8/32}', false, NULL, NULL, 'icmp', true),
             ('v6', '{2001:db8::1/128,2001:db8::99/128}', true, 2, NULL, 'tcp', true)$$,
    'traces: paths (most frequent responder, ties to the first), reached, paris_id, proto, queued');

SELECT results_eq(
    $$SELECT i.label, cardinality(t.path), t.path[1]::text, t.path[255]::text, t.reached_ttl, d.detect
        FROM t_ids i JOIN pingsvc.traces t USING (result_id)
        JOIN pingsvc.derive_queue d USING (trace_id, ts)
       WHERE i.label IN ('t255', 'a255', 'only255')
       ORDER BY i.label$$,
    $$VALUES ('a255', 255, '192.0.2.1/32', '198.51.100.9/32', 255::smallint, true),
             ('only255', 255, NULL, NULL, NULL, false),
             ('t255', 255, '192.0.2.1/32', NULL, NULL, true)$$,
    'hop 255: kept when answered, after hop 254 or alone; GSS not detected');

SELECT results_eq(
    $$SELECT i.label, h.ttl::integer, h.probe::integer, h.address::text, h.rtt_ms,
             h.reply_ttl::integer, h.size, h.mpls, h.icmp_type::integer, h.icmp_code::integer
        FROM t_ids i JOIN pingsvc.traces t USING (result_id)
        JOIN pingsvc.hops h USING (trace_id, ts)
       WHERE i.label IN ('rep', 'nums', 'v6', 'tie')
       ORDER BY i.label, h.ttl, h.probe$$,
    $$VALUES ('nums', 1, 0, '192.0.2.1/32', NULL::float8, NULL::integer, NULL::integer, NULL::jsonb, 3, NULL::integer),
             ('nums', 1, 1, '192.0.2.1/32', NULL, NULL, NULL, NULL, 3, 255),
             ('nums', 1, 2, '192.0.2.1/32', NULL, NULL, 0, NULL, 3, NULL),
             ('nums', 1, 3, '192.0.2.1/32', 59999.9, 0, 65535, NULL, 3, 13),
             ('nums', 1, 8, '192.0.2.5/32', NULL, NULL, NULL, '[{"label": 1}, {"label": 2}]', NULL, NULL),
             ('nums', 1, 9, '192.0.2.6/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('nums', 1, 10, '192.0.2.7/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('nums', 1, 11, '192.0.2.8/32', NULL, NULL, NULL, NULL, 3, NULL),
             ('nums', 1, 12, '192.0.2.9/32', NULL, NULL, NULL, NULL, 3, 3),
             ('nums', 1, 13, '192.0.2.10/32', NULL, NULL, NULL, NULL, 3, 2),
             ('nums', 1, 14, '192.0.2.11/32', NULL, NULL, NULL, NULL, 3, 1),
             ('nums', 2, 0, '192.0.2.2/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('rep', 1, 0, '192.0.2.1/32', 1, NULL, NULL, NULL, NULL, NULL),
             ('rep', 1, 2, '192.0.2.11/32', 1.1, NULL, NULL, NULL, NULL, NULL),
             ('rep', 1, 3, '192.0.2.11/32', 1.2, NULL, NULL, NULL, NULL, NULL),
             ('rep', 2, 0, '192.0.2.2/32', 2, NULL, NULL, NULL, NULL, NULL),
             ('rep', 2, 1, '192.0.2.22/32', 2.1, NULL, NULL, NULL, NULL, NULL),
             ('rep', 2, 2, '198.51.100.9/32', 2.2, NULL, NULL, NULL, 3, NULL),
             ('rep', 3, 0, '198.51.100.9/32', 3, NULL, NULL, NULL, 3, 0),
             ('tie', 1, 0, '192.0.2.2/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('tie', 1, 1, '192.0.2.1/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('tie', 1, 2, '192.0.2.1/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('tie', 1, 3, '192.0.2.2/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('tie', 2, 0, '192.0.2.8/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('tie', 2, 1, '192.0.2.7/32', NULL, NULL, NULL, NULL, NULL, NULL),
             ('v6', 1, 0, '2001:db8::1/128', 1, NULL, NULL, NULL, NULL, NULL),
             ('v6', 1, 2, '2001:db8::1/128', 2, NULL, NULL, NULL, NULL, NULL),
             ('v6', 2, 0, '2001:db8::99/128', 3, NULL, NULL, NULL, NULL, NULL)$$,
    'hop rows: numbering, dup and junk left out, number ranges, err codes, MPLS, families');

SELECT results_eq(
    $$SELECT h.ttl::integer, count(*), min(h.probe)::integer, max(h.probe)::integer, string_agg(DISTINCT host(h.address), ',')
        FROM t_ids i JOIN pingsvc.traces t USING (result_id)
        JOIN pingsvc.hops h USING (trace_id, ts)
       WHERE i.label = 'many'
       GROUP BY h.ttl ORDER BY h.ttl$$,
    $$VALUES (1, 64::bigint, 0, 63, '192.0.2.1,192.0.2.2,192.0.2.3'),
             (2, 64, 0, 63, '192.0.2.10,192.0.2.9')$$,
    'probes after the 64th left out, also when numbered across repeated entries');

SELECT is((SELECT count(*) FROM pingsvc.traces
            WHERE result_id IN (SELECT result_id FROM t_ids
                                 WHERE label IN ('nores', 'noent', 'strres', 'badproto', 'badprb'))),
          0::bigint, 'malformed results skipped without an error');

SELECT is((SELECT (traces, hops, trace_ids) FROM pingsvc.extract_results_ids((SELECT array_agg(result_id) FROM t_ids))),
          (0, 0, '{}'::bigint[]), 'a second call stores nothing');

SELECT * FROM finish();
ROLLBACK;
