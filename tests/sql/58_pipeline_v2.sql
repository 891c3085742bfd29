-- 58_pipeline_v2.sql: process_results() version 2 (0009) stores exactly what
-- the per-result helpers of 0002 define -- the path, rtts-free columns and
-- reached TTL of trace_path() and the rows of trace_replies() -- for the
-- route-change vectors and for generated bodies full of edge cases
-- (repeated hop numbers, "dup", "err" of every form, late replies, the
-- closing hop 255, IPv6, bad addresses, non-object entries); and
-- fold_flow_v2() returns what fold_flow() returns on random histories
-- with `*`s, reachability changes and repeats, for K = 1, 2 and 3.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(9);

CREATE TEMP TABLE t_raw (line text) ON COMMIT DROP;
\copy t_raw FROM PROGRAM 'cat "${PINGSVC_DATA:-${PINGSVC_ROOT:-.}/../shared/data}/route-changes/route-change-vectors.jsonl"' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')

SELECT count(*) FROM pingsvc.ensure_partitions('2025-11-24', '2025-11-25') \gset
SELECT count(*) FROM pingsvc.ensure_partitions('2026-03-01', '2026-03-02') \gset

INSERT INTO pingsvc.results (ts, type, af, target, body, source)
SELECT to_timestamp((r.line::jsonb ->> 'timestamp')::bigint), 'traceroute', 4,
       (r.line::jsonb ->> 'dst_addr')::inet, r.line::jsonb, 'atlas'
  FROM t_raw r;

-- Generated bodies: 400 traceroutes of up to 18 entries, each probe drawn
-- from a list of awkward replies.
CREATE TEMP TABLE t_probe (k integer PRIMARY KEY, p jsonb) ON COMMIT DROP;
INSERT INTO t_probe VALUES
    (0, '{"x": "*"}'), (1, '{"from": "192.0.2.1", "rtt": 1.5, "ttl": 250, "size": 68}'),
    (2, '{"from": "192.0.2.2", "rtt": 2.5}'), (3, '{"from": "192.0.2.2", "late": 1, "ttl": 249}'),
    (4, '{"from": "192.0.2.3", "rtt": 3.0, "err": "H"}'), (5, '{"from": "192.0.2.3", "rtt": 3.0, "err": 9}'),
    (6, '{"from": "192.0.2.3", "rtt": 3.0, "err": null}'), (7, '{"from": "192.0.2.4", "dup": true, "rtt": 4}'),
    (8, '{"from": "not-an-address", "rtt": 1}'), (9, '{"from": "2001:db8::1", "rtt": 9}'),
    (10, '{"from": "192.0.2.5", "rtt": -1, "size": 70000, "ttl": 300}'), (11, '"junk"'),
    (12, '{"from": 17, "rtt": 1}'), (13, '{"from": "198.51.100.77", "rtt": 12.25, "ttl": 240}'),
    (14, '{"from": "192.0.2.6", "rtt": "5", "ttl": "7"}'),
    (15, '{"from": "192.0.2.7", "rtt": 7, "icmpext": {"obj": [{"mpls": [{"label": 16, "s": 1}]}]}}'),
    (16, '{"from": "192.0.2.8", "rtt": 8, "icmpext": {"obj": [{"class": 2}]}}'),
    (17, '{"from": "10.0.0.1", "rtt": 0.5, "err": "A"}');
INSERT INTO pingsvc.results (ts, type, af, target, body, source)
SELECT timestamptz '2026-03-01 00:00+00' + g * interval '1 minute', 'traceroute', 4,
       '198.51.100.77', b.body, 'atlas'
  FROM generate_series(1, 400) AS g
  CROSS JOIN LATERAL (
      SELECT jsonb_build_object('type', 'traceroute', 'af', 4, 'prb_id', 5000 + g % 7,
                                'dst_addr', '198.51.100.77', 'paris_id', g % 3,
                                'result', jsonb_agg(e.entry ORDER BY e.n)) AS body
        FROM (SELECT h.n,
                     CASE WHEN (g * 7 + h.n) % 23 = 0 THEN '"not an object"'::jsonb
                          WHEN (g * 5 + h.n) % 19 = 0 THEN jsonb_build_object('hop', h.n, 'error', 'x')
                          ELSE jsonb_build_object(
                                   'hop', CASE WHEN h.n = 18 AND g % 4 = 0 THEN 255
                                               WHEN (g + h.n) % 11 = 0 THEN h.n - 1
                                               WHEN (g + h.n) % 29 = 0 THEN 300
                                               ELSE h.n END,
                                   'result', (SELECT jsonb_agg(tp.p ORDER BY q.i)
                                                FROM generate_series(1, 1 + (g + h.n) % 4) AS q(i)
                                                JOIN t_probe tp ON tp.k = (g * 13 + h.n * 7 + q.i * 3) % 18))
                     END AS entry
                FROM generate_series(1, 4 + g % 15) AS h(n)) AS e) AS b;

SELECT is((SELECT traces FROM pingsvc.process_results(
              (SELECT array_agg(result_id) FROM pingsvc.results))),
          (SELECT count(*)::integer FROM pingsvc.results r
            WHERE EXISTS (SELECT 1 FROM pingsvc.trace_path(r.body, r.target))),
          'one trace per result that has a hop entry');

SELECT is((SELECT count(*) FROM pingsvc.traces t
             JOIN pingsvc.results r ON r.result_id = t.result_id AND r.ts = t.ts
             CROSS JOIN LATERAL pingsvc.trace_path(r.body, r.target) AS p
            WHERE t.path IS DISTINCT FROM p.path OR t.reached_ttl IS DISTINCT FROM p.reached_ttl),
          0::bigint, 'every path and reached TTL is trace_path()''s');

SELECT is((SELECT count(*) FROM (
              (SELECT t.trace_id, h.ttl, h.probe, h.address, h.rtt_ms, h.reply_ttl, h.size, h.mpls,
                      h.icmp_type, h.icmp_code
                 FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
               EXCEPT ALL
               SELECT t.trace_id, x.*
                 FROM pingsvc.traces t
                 JOIN pingsvc.results r ON r.result_id = t.result_id AND r.ts = t.ts
                 CROSS JOIN LATERAL pingsvc.trace_replies(r.body, r.target) AS x)
              UNION ALL
              (SELECT t.trace_id, x.*
                 FROM pingsvc.traces t
                 JOIN pingsvc.results r ON r.result_id = t.result_id AND r.ts = t.ts
                 CROSS JOIN LATERAL pingsvc.trace_replies(r.body, r.target) AS x
               EXCEPT ALL
               SELECT t.trace_id, h.ttl, h.probe, h.address, h.rtt_ms, h.reply_ttl, h.size, h.mpls,
                      h.icmp_type, h.icmp_code
                 FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts))) AS d),
          0::bigint, 'the hops rows are trace_replies()''s, no more, no less');

SELECT ok((SELECT count(*) FROM pingsvc.hops WHERE icmp_type = 3 AND icmp_code IS NULL) > 0
          AND (SELECT count(*) FROM pingsvc.hops WHERE mpls IS NOT NULL) > 0
          AND (SELECT count(*) FROM pingsvc.hops WHERE probe > 3) > 0
          AND (SELECT count(*) FROM pingsvc.traces WHERE cardinality(path) = 255) > 0,
          'the generated bodies reach the edge cases (err null, MPLS, repeated hop numbers, hop 255)');

SELECT is((SELECT traces FROM pingsvc.process_results(
              (SELECT array_agg(result_id) FROM pingsvc.results))),
          0, 'a second call stores nothing');

-- fold_flow_v2 against fold_flow: 300 random histories of 40 traces over
-- six paths (with `*`s, another reached TTL, one a prefix of another),
-- some with repeated ts.
CREATE TEMP TABLE t_hist ON COMMIT DROP AS
SELECT f, array_agg(ROW(f * 1000 + i,
                        timestamptz '2026-01-01 00:00+00' + (i - (CASE WHEN f % 10 = 0 AND i % 9 = 0 THEN 1 ELSE 0 END)) * interval '1 minute',
                        CASE c WHEN 0 THEN '{192.0.2.1,192.0.2.2,192.0.2.9}'::inet[]
                               WHEN 1 THEN '{192.0.2.1,NULL,192.0.2.9}'::inet[]
                               WHEN 2 THEN '{192.0.2.1,192.0.2.3,192.0.2.9}'::inet[]
                               WHEN 3 THEN '{192.0.2.1,192.0.2.3}'::inet[]
                               WHEN 4 THEN '{NULL,192.0.2.4,192.0.2.9}'::inet[]
                               ELSE '{192.0.2.1,192.0.2.3,192.0.2.9,192.0.2.10}'::inet[] END,
                        CASE WHEN c = 3 THEN NULL ELSE 3 END)::pingsvc.route_step ORDER BY i) AS steps
  FROM (SELECT f, i, CASE WHEN (f * 31 + i * 17) % 100 < 55 THEN (f / 3 + i / (3 + f % 7)) % 2 * 2
                          ELSE (f * 7 + i * 13) % 6 END AS c
          FROM generate_series(1, 300) AS f, generate_series(1, 40) AS i) AS s
 GROUP BY f;

SELECT is((SELECT count(*) FROM t_hist h, generate_series(1, 3) AS k
            WHERE pingsvc.fold_flow(NULL, h.steps, k) IS DISTINCT FROM pingsvc.fold_flow_v2(NULL, h.steps, k)),
          0::bigint, 'fold_flow_v2 = fold_flow from a new flow, K = 1, 2, 3');

SELECT is((SELECT count(*) FROM t_hist h, generate_series(1, 3) AS k
            CROSS JOIN LATERAL (SELECT (pingsvc.fold_flow(NULL, h.steps[1:17], k)).o_flow AS s) AS st
            WHERE pingsvc.fold_flow(st.s, h.steps[18:], k) IS DISTINCT FROM pingsvc.fold_flow_v2(st.s, h.steps[18:], k)),
          0::bigint, 'fold_flow_v2 = fold_flow from a stored state (candidates pending)');

SELECT ok((SELECT sum(cardinality((pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_events)) FROM t_hist h) > 100
          AND (SELECT sum(((pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_flow).transients) FROM t_hist h) > 100
          AND (SELECT sum(((pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_flow).late_traces) FROM t_hist h) > 0,
          'the histories hold changes, transients and late traces');

SELECT throws_ok($$SELECT pingsvc.fold_flow_v2(NULL, '{}', 0)$$, '22023', NULL,
                 'fold_flow_v2 refuses K < 1');

SELECT * FROM finish();
ROLLBACK;
