-- generate.sql: a synthetic route history for benchmarks (tests/bench/sql,
-- and any other benchmark that wants realistic traces, hops and flows).
-- psql variables: pairs (number of (vantage, target) pairs), traces (traces
-- per pair), spare (rounds to leave room for after the history).
--
-- Pair p: vantage atlas:(1000 + p % 100), target 12.a.b.c (p encoded),
-- one trace every 15 minutes, the history ending `spare` rounds before
-- now().  Paths have 12..17 TTLs over routers 11.x.y.z shared as real
-- ones are (TTL 1-3 per vantage, 4-9 per region of pairs, later per pair):
--   - route changes: every third pair swaps its routers at TTL 8-9 every
--     8 traces (lasting changes);
--   - ECMP alternation: every fifth pair (p % 5 = 1) alternates its router
--     at TTL 6 trace by trace (candidates abandoned: transients);
--   - `*`: TTL 4 unanswered in one trace of 13;
--   - one pair in 20 never reaches its target (last TTL `*`).
-- Creates pg_temp.b_target(p), pg_temp.b_path(p, i), pg_temp.b_reached(p),
-- pg_temp.b_ts(p, i) and pg_temp.b_body(p, i) (the RIPE-Atlas-format
-- traceroute of pair p's i-th trace, three probes per TTL), and fills
-- pingsvc.traces and pingsvc.hops (one reply per answered TTL) with
-- traces 0 .. traces - 1 of every pair, then flows, flow_paths (the open
-- path) and route_changes from fold_flow_v2() over that history.

CREATE FUNCTION pg_temp.b_target(p integer) RETURNS inet
LANGUAGE sql IMMUTABLE
RETURN ('12.' || (p / 65536) || '.' || (p / 256 % 256) || '.' || (p % 256))::inet;

CREATE FUNCTION pg_temp.b_reached(p integer) RETURNS smallint
LANGUAGE sql IMMUTABLE
RETURN CASE WHEN p % 20 = 7 THEN NULL ELSE (12 + p % 6)::smallint END;

CREATE FUNCTION pg_temp.b_ts(p integer, i integer) RETURNS timestamptz
LANGUAGE sql STABLE
RETURN date_trunc('hour', now()) - (:traces + :spare + 1) * interval '15 minutes'
       + i * interval '15 minutes' + p * interval '80 milliseconds';

-- The path of pair p in variant (e: ECMP branch, c: changed route, s: `*`
-- at TTL 4); b_path(p, i) picks the variant of trace i.
CREATE FUNCTION pg_temp.b_pathv(p integer, e integer, c integer, s integer) RETURNS inet[]
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT array_agg(CASE
               WHEN g.t = n.n THEN CASE WHEN p % 20 = 7 THEN NULL ELSE pg_temp.b_target(p) END
               WHEN g.t = 4 AND s = 1 THEN NULL
               ELSE ('11.' || (g.t * 10 + CASE WHEN g.t = 6 AND e = 1 THEN 1
                                                WHEN g.t IN (8, 9) AND c = 1 THEN 2 ELSE 0 END)
                     || '.' || CASE WHEN g.t <= 3 THEN p % 100 WHEN g.t <= 9 THEN p / 100 % 250
                                    ELSE p / 250 % 250 END
                     || '.' || CASE WHEN g.t <= 3 THEN 1 WHEN g.t <= 9 THEN p / 25000 + 1
                                    ELSE p % 250 + 1 END)::inet
           END ORDER BY g.t)
      FROM (SELECT 12 + p % 6 AS n) AS n
      CROSS JOIN LATERAL generate_series(1, n.n) AS g(t);
END;

CREATE FUNCTION pg_temp.b_variant(p integer, i integer) RETURNS integer[]
LANGUAGE sql IMMUTABLE
RETURN ARRAY[CASE WHEN p % 5 = 1 THEN i % 2 ELSE 0 END,
             CASE WHEN p % 3 = 0 THEN (i / 8) % 2 ELSE 0 END,
             CASE WHEN (p + i) % 13 = 0 THEN 1 ELSE 0 END];

CREATE FUNCTION pg_temp.b_path(p integer, i integer) RETURNS inet[]
LANGUAGE sql IMMUTABLE
RETURN pg_temp.b_pathv(p, (pg_temp.b_variant(p, i))[1], (pg_temp.b_variant(p, i))[2],
                       (pg_temp.b_variant(p, i))[3]);

CREATE FUNCTION pg_temp.b_body(p integer, i integer) RETURNS jsonb
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT jsonb_build_object(
               'type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', 1000 + p % 100,
               'dst_addr', host(pg_temp.b_target(p)), 'paris_id', 1,
               'timestamp', extract(epoch FROM pg_temp.b_ts(p, i))::bigint,
               'result', jsonb_agg(jsonb_build_object(
                   'hop', h.t,
                   'result', CASE WHEN h.a IS NULL THEN '[{"x": "*"}, {"x": "*"}, {"x": "*"}]'::jsonb
                                  ELSE jsonb_build_array(
                                      jsonb_build_object('from', host(h.a), 'rtt', round((h.t * 2.5 + (p + i) % 7 * 0.1)::numeric, 3),
                                                         'size', 68, 'ttl', 255 - h.t),
                                      jsonb_build_object('from', host(h.a), 'rtt', round((h.t * 2.5 + 0.2)::numeric, 3),
                                                         'size', 68, 'ttl', 255 - h.t),
                                      jsonb_build_object('from', host(h.a), 'rtt', round((h.t * 2.5 + 0.3)::numeric, 3),
                                                         'size', 68, 'ttl', 255 - h.t)) END)
                   ORDER BY h.t))
      FROM unnest(pg_temp.b_path(p, i)) WITH ORDINALITY AS h(a, t);
END;

SELECT count(*) FROM pingsvc.ensure_partitions(pg_temp.b_ts(0, 0) - interval '1 day', now() + interval '1 day') \gset

-- The history: traces (paths computed once per pair and variant), then
-- one hop row per answered TTL.
CREATE TEMP TABLE b_var AS
SELECT p, ARRAY[e, c, s] AS v, pg_temp.b_pathv(p, e, c, s) AS path
  FROM generate_series(0, :pairs - 1) AS p, generate_series(0, 1) AS e, generate_series(0, 1) AS c,
       generate_series(0, 1) AS s
 WHERE (e = 0 OR p % 5 = 1) AND (c = 0 OR p % 3 = 0);
CREATE INDEX ON b_var (p, v);
ANALYZE b_var;
INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, paris_id, path, reached,
                            reached_ttl, source)
SELECT -1 - (x.p::bigint * :traces + x.i), 'atlas:' || (1000 + x.p % 100), pg_temp.b_target(x.p),
       pg_temp.b_ts(x.p, x.i), 'icmp', 1, b.path, pg_temp.b_reached(x.p) IS NOT NULL,
       pg_temp.b_reached(x.p), 'atlas'
  FROM (SELECT i, p, pg_temp.b_variant(p, i) AS v
          FROM generate_series(0, :traces - 1) AS i, generate_series(0, :pairs - 1) AS p) AS x
  JOIN b_var b ON b.p = x.p AND b.v = x.v;
DROP TABLE b_var;

INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms, reply_ttl, size)
SELECT t.trace_id, t.ts, h.ttl, 0, h.address, h.ttl * 2.5 + t.trace_id % 7 * 0.1, 255 - h.ttl, 68
  FROM pingsvc.traces t
  CROSS JOIN LATERAL unnest(t.path) WITH ORDINALITY AS h(address, ttl)
 WHERE h.address IS NOT NULL;
ANALYZE pingsvc.traces;
ANALYZE pingsvc.hops;

-- Detection state of the history, as process_results() would have left it.
CREATE TEMP TABLE b_fold AS
SELECT nextval('pingsvc.flows_flow_id_seq') AS flow_id, s.vantage, s.target,
       (pingsvc.fold_flow_v2(NULL, s.steps, 2)).*
  FROM (SELECT t.vantage, t.target,
               array_agg(ROW(t.trace_id, t.ts, t.path, t.reached_ttl)::pingsvc.route_step
                         ORDER BY t.ts, t.trace_id) AS steps
          FROM pingsvc.traces t
         GROUP BY t.vantage, t.target) AS s;
INSERT INTO pingsvc.flows (flow_id, vantage, target, proto, paris_id, first_seen, last_ts, traces,
                           late_traces, cur_path, cur_reached_ttl, cur_since, cur_last_at, cur_traces,
                           traces_since_change, cand_path, cand_reached_ttl, cand_since,
                           cand_last_at, cand_traces, changes, transients, last_transient_at)
SELECT b.flow_id, b.vantage, b.target, 'icmp', 1, (b.o_flow).first_seen, (b.o_flow).last_ts,
       (b.o_flow).traces, (b.o_flow).late_traces, (b.o_flow).cur_path, (b.o_flow).cur_reached_ttl,
       (b.o_flow).cur_since, (b.o_flow).cur_last_at, (b.o_flow).cur_traces,
       (b.o_flow).traces_since_change, (b.o_flow).cand_path, (b.o_flow).cand_reached_ttl,
       (b.o_flow).cand_since, (b.o_flow).cand_last_at, (b.o_flow).cand_traces, (b.o_flow).changes,
       (b.o_flow).transients, (b.o_flow).last_transient_at
  FROM b_fold b;
INSERT INTO pingsvc.flow_paths (flow_id, seq, path, reached_ttl, valid_from, last_seen, traces)
SELECT b.flow_id, 1 + (b.o_flow).changes, (b.o_flow).cur_path, (b.o_flow).cur_reached_ttl,
       (b.o_flow).cur_since, (b.o_flow).cur_last_at, (b.o_flow).cur_traces
  FROM b_fold b;
INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                   old_path, new_path, old_reached, new_reached, diverge_ttl,
                                   rejoin_ttl, kind, changed_hops)
SELECT b.vantage, b.target, 'icmp', 1, e.detected_at, e.last_old_at, e.old_path, e.new_path,
       e.old_reached_ttl IS NOT NULL, e.new_reached_ttl IS NOT NULL, d.diverge_ttl, d.rejoin_ttl,
       d.kind, d.changed_hops
  FROM b_fold b
  CROSS JOIN LATERAL unnest(b.o_events) AS e
  CROSS JOIN LATERAL pingsvc.path_diff(e.old_path, e.old_reached_ttl, e.new_path, e.new_reached_ttl) AS d;
DROP TABLE b_fold;
ANALYZE pingsvc.flows;
ANALYZE pingsvc.route_changes;
