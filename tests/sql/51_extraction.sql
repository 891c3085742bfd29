-- 51_extraction.sql: process_results() turns stored traceroute results into
-- traces, hops and links as documented (timeouts, a loop, MPLS labels, an
-- unreached destination, Atlas quirks: late replies without rtt, "err",
-- per-hop "error", "dup", the closing hop 255), skips pings and malformed
-- results, runs as pingsvc_ingest, and is idempotent.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(25);

INSERT INTO pingsvc.workers (name, token_hash, caps) VALUES ('lab-w1', sha256('t51'), '{icmp,udp}');

CREATE TEMP TABLE t_ids (label text PRIMARY KEY, result_id bigint) ON COMMIT DROP;
GRANT SELECT ON t_ids TO PUBLIC;

-- A: Atlas traceroute, never reaching 198.51.100.99.  TTL 1 three replies;
-- 2 all timeouts; 3 two responders (.3 twice, .33 once) and MPLS; 4 one
-- timed and one late reply; 5 and 6 repeat 3 and 4 (a loop); 7 a per-hop
-- error; 8 an unreachable (err H), a bogus "from" and a duplicate; then
-- the closing hop 255.
WITH r AS (
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    VALUES (date_trunc('second', now()), 'traceroute', 4, '198.51.100.99', 'atlas', $j${
      "type": "traceroute", "af": 4, "proto": "ICMP", "dst_addr": "198.51.100.99",
      "src_addr": "192.0.2.100", "from": "192.0.2.100", "prb_id": 4242, "paris_id": 3,
      "result": [
        {"hop": 1, "result": [{"from": "192.0.2.1", "rtt": 1.0, "size": 68, "ttl": 255},
                              {"from": "192.0.2.1", "rtt": 1.1, "size": 68, "ttl": 255},
                              {"from": "192.0.2.1", "rtt": 1.2, "size": 68, "ttl": 255}]},
        {"hop": 2, "result": [{"x": "*"}, {"x": "*"}, {"x": "*"}]},
        {"hop": 3, "result": [{"from": "192.0.2.3", "rtt": 3.0, "size": 140, "ttl": 253,
                               "icmpext": {"version": 2, "rfc4884": 1, "obj": [{"class": 1, "type": 1,
                                           "mpls": [{"exp": 0, "label": 24005, "s": 1, "ttl": 1}]}]}},
                              {"from": "192.0.2.33", "rtt": 3.1, "size": 68, "ttl": 253},
                              {"from": "192.0.2.3", "rtt": 3.2, "size": 68, "ttl": 253}]},
        {"hop": 4, "result": [{"from": "192.0.2.4", "rtt": 5.0, "size": 68, "ttl": 252},
                              {"from": "192.0.2.4", "late": 1, "size": 68, "ttl": 252},
                              {"x": "*"}]},
        {"hop": 5, "result": [{"from": "192.0.2.3", "rtt": 6.0, "size": 68, "ttl": 251}]},
        {"hop": 6, "result": [{"from": "192.0.2.4", "rtt": 7.0, "size": 68, "ttl": 250}]},
        {"hop": 7, "error": "sendto failed"},
        {"hop": 8, "result": [{"from": "192.0.2.8", "err": "H", "rtt": 9.0, "size": 28, "ttl": 249},
                              {"from": "not-an-address", "rtt": 9.0},
                              {"from": "192.0.2.8", "dup": true, "rtt": 9.5}]},
        {"hop": 255, "result": [{"x": "*"}, {"x": "*"}, {"x": "*"}]}
      ]}$j$)
    RETURNING result_id)
INSERT INTO t_ids SELECT 'A', result_id FROM r;

-- B: our worker's UDP traceroute that reaches its target at TTL 2.
WITH r AS (
    INSERT INTO pingsvc.results (ts, worker_id, type, af, target, source, body)
    SELECT date_trunc('second', now()), worker_id, 'traceroute', 4, '198.51.100.99', 'pingsvc', $j${
      "type": "traceroute", "af": 4, "proto": "UDP", "dst_addr": "198.51.100.99", "paris_id": 7,
      "worker": "lab-w1", "port": 33435,
      "result": [{"hop": 1, "result": [{"from": "192.0.2.1", "rtt": 0.5, "ttl": 64}]},
                 {"hop": 2, "result": [{"from": "198.51.100.99", "rtt": 2.5, "ttl": 62, "err": 3}]}]}$j$
      FROM pingsvc.workers WHERE name = 'lab-w1'
    RETURNING result_id)
INSERT INTO t_ids SELECT 'B', result_id FROM r;

-- C: a ping; D: a traceroute without a result array.  Neither is a trace.
WITH r AS (
    INSERT INTO pingsvc.results (ts, type, af, target, source, body)
    VALUES (date_trunc('second', now()), 'ping', 4, '198.51.100.99', 'atlas',
            '{"type": "ping", "af": 4, "dst_addr": "198.51.100.99", "prb_id": 4242, "result": [{"rtt": 3.0}]}'),
           (date_trunc('second', now()), 'traceroute', 4, '198.51.100.98', 'atlas',
            '{"type": "traceroute", "af": 4, "dst_addr": "198.51.100.98", "prb_id": 4242, "error": "timeout"}')
    RETURNING result_id, type)
INSERT INTO t_ids SELECT CASE type WHEN 'ping' THEN 'C' ELSE 'D' END, result_id FROM r;

SET LOCAL ROLE pingsvc_ingest;
SELECT results_eq($$SELECT * FROM pingsvc.process_results(ARRAY(SELECT result_id FROM t_ids))$$,
                  $$VALUES (2, 13, 3, 0, 0)$$,
                  'as pingsvc_ingest: 2 traces, 13 hops, 3 links, no targets, no changes');
RESET ROLE;

-- A ----------------------------------------------------------------------------
SELECT results_eq($$SELECT vantage, proto, paris_id, source, reached, reached_ttl, hop_count
                      FROM pingsvc.traces WHERE result_id = (SELECT result_id FROM t_ids WHERE label = 'A')$$,
                  $$VALUES ('atlas:4242', 'icmp', 3, 'atlas', false, NULL::smallint, 8::smallint)$$,
                  'A: atlas vantage, lower-case proto, paris_id; not reached; 8 TTLs (hop 255 marker dropped)');
SELECT is((SELECT path FROM pingsvc.traces WHERE result_id = (SELECT result_id FROM t_ids WHERE label = 'A')),
          '{192.0.2.1,NULL,192.0.2.3,192.0.2.4,192.0.2.3,192.0.2.4,NULL,192.0.2.8}'::inet[],
          'A: path with NULL for timeouts and the error hop, most common responder at TTL 3, the loop kept');
CREATE TEMP VIEW t_hops_a AS
SELECT h.* FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
 WHERE t.result_id = (SELECT result_id FROM t_ids WHERE label = 'A');
SELECT is((SELECT count(*) FROM t_hops_a), 11::bigint, 'A: 11 hop rows (answered probes only, dup left out)');
SELECT results_eq($$SELECT ttl::integer, count(*) FROM t_hops_a GROUP BY ttl ORDER BY ttl$$,
                  $$VALUES (1, 3::bigint), (3, 3), (4, 2), (5, 1), (6, 1), (8, 1)$$,
                  'A: replies per TTL');
SELECT results_eq($$SELECT probe::integer, address, rtt_ms FROM t_hops_a WHERE ttl = 3 ORDER BY probe$$,
                  $$VALUES (0, '192.0.2.3'::inet, 3.0::float8), (1, '192.0.2.33', 3.1), (2, '192.0.2.3', 3.2)$$,
                  'A: every responder at TTL 3 has its row');
SELECT is((SELECT mpls FROM t_hops_a WHERE ttl = 3 AND probe = 0),
          '[{"exp": 0, "label": 24005, "s": 1, "ttl": 1}]'::jsonb, 'A: the MPLS label stack is kept');
SELECT is((SELECT count(*) FROM t_hops_a WHERE mpls IS NOT NULL), 1::bigint, 'A: mpls is NULL without labels');
SELECT results_eq($$SELECT probe::integer, rtt_ms, reply_ttl::integer, size FROM t_hops_a WHERE ttl = 4 ORDER BY probe$$,
                  $$VALUES (0, 5.0::float8, 252, 68), (1, NULL, 252, 68)$$,
                  'A: a late reply is a hop without rtt');
SELECT results_eq($$SELECT address, icmp_type, icmp_code, size FROM t_hops_a WHERE ttl = 8$$,
                  $$VALUES ('192.0.2.8'::inet, 3::smallint, 1::smallint, 28)$$,
                  'A: err "H" is ICMP unreachable, code 1 (host)');
SELECT results_eq($$SELECT icmp_type, icmp_code FROM t_hops_a WHERE ttl = 1 LIMIT 1$$,
                  $$VALUES (NULL::smallint, NULL::smallint)$$,
                  'A: without err the ICMP type is left unknown');

-- B ----------------------------------------------------------------------------
SELECT results_eq($$SELECT vantage, worker_id IS NOT NULL, proto, paris_id, source, path, reached, reached_ttl
                      FROM pingsvc.traces WHERE result_id = (SELECT result_id FROM t_ids WHERE label = 'B')$$,
                  $$VALUES ('lab-w1', true, 'udp', 7, 'pingsvc', '{192.0.2.1,198.51.100.99}'::inet[], true, 2::smallint)$$,
                  'B: vantage is the worker''s name, reached at TTL 2');
SELECT results_eq($$SELECT icmp_type, icmp_code FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
                     WHERE t.result_id = (SELECT result_id FROM t_ids WHERE label = 'B') AND h.ttl = 2$$,
                  $$VALUES (3::smallint, 3::smallint)$$,
                  'B: numeric err is the ICMP code (port unreachable)');

-- C, D ----------------------------------------------------------------------
SELECT is((SELECT count(*) FROM pingsvc.traces WHERE result_id IN (SELECT result_id FROM t_ids WHERE label IN ('C', 'D'))),
          0::bigint, 'pings and traceroutes without results make no trace');

-- Links -----------------------------------------------------------------------
SELECT results_eq($$SELECT near, far, times_seen, rtt_diff_count, rtt_diff_min_ms, rtt_diff_max_ms
                      FROM pingsvc.links ORDER BY near, far$$,
                  $$VALUES ('192.0.2.1'::inet, '198.51.100.99'::inet, 1::bigint, 1::bigint, 2.0::float8, 2.0::float8),
                           ('192.0.2.3', '192.0.2.4', 1, 1, 2.0, 2.0),
                           ('192.0.2.4', '192.0.2.3', 1, 1, 1.0, 1.0)$$,
                  'links: adjacent answered TTLs only (no link across a * gap), a loop''s repeated link counted once per trace, rtt(far) - rtt(near) from the minimum rtts');

SELECT results_eq($$SELECT near, far, day = (now() AT TIME ZONE 'UTC')::date, times_seen, rtt_diff_avg_ms
                      FROM pingsvc.link_rtt_daily ORDER BY near, far$$,
                  $$VALUES ('192.0.2.1'::inet, '198.51.100.99'::inet, true, 1::bigint, 2.0::float8),
                           ('192.0.2.3', '192.0.2.4', true, 1, 2.0),
                           ('192.0.2.4', '192.0.2.3', true, 1, 1.0)$$,
                  'link_rtt_daily: the same sightings under their UTC day');

-- Idempotence ---------------------------------------------------------------
CREATE TEMP TABLE t_before ON COMMIT DROP AS
SELECT (SELECT count(*) FROM pingsvc.traces) AS traces, (SELECT count(*) FROM pingsvc.hops) AS hops,
       (SELECT sum(times_seen) FROM pingsvc.links) AS link_sightings,
       (SELECT count(*) FROM pingsvc.flows) AS flows, (SELECT sum(traces) FROM pingsvc.flows) AS flow_traces,
       (SELECT count(*) FROM pingsvc.flow_paths) AS paths;
SET LOCAL ROLE pingsvc_ingest;
SELECT results_eq($$SELECT * FROM pingsvc.process_results(ARRAY(SELECT result_id FROM t_ids))$$,
                  $$VALUES (0, 0, 0, 0, 0)$$,
                  'processing the same results again does nothing');
RESET ROLE;
SELECT results_eq($$SELECT (SELECT count(*) FROM pingsvc.traces), (SELECT count(*) FROM pingsvc.hops),
                           (SELECT sum(times_seen) FROM pingsvc.links),
                           (SELECT count(*) FROM pingsvc.flows), (SELECT sum(traces) FROM pingsvc.flows),
                           (SELECT count(*) FROM pingsvc.flow_paths)$$,
                  $$SELECT * FROM t_before$$,
                  '... and leaves traces, hops, links, flows and path history as they were');
SELECT is((SELECT count(*) FROM pingsvc.flows), 2::bigint, 'two flows (different vantages)');
SELECT results_eq($$SELECT * FROM pingsvc.process_results('{}')$$, $$VALUES (0, 0, 0, 0, 0)$$,
                  'an empty batch is fine');
SELECT results_eq($$SELECT * FROM pingsvc.process_results(ARRAY[-1::bigint])$$, $$VALUES (0, 0, 0, 0, 0)$$,
                  'unknown result ids are ignored');

-- Helpers ---------------------------------------------------------------------
SELECT is(pingsvc.host_inet(t), e, format('host_inet(%L)', t))
  FROM (VALUES ('192.0.2.1', '192.0.2.1'::inet), ('2001:db8::1', '2001:db8::1'::inet),
               ('256.1.1.1', NULL), ('192.0.2.0/24', NULL)) AS v(t, e);

SELECT * FROM finish();
ROLLBACK;
