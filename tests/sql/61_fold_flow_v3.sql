-- 61_fold_flow_v3.sql: fold_flow_v2() version 3 (0015) returns exactly what
-- fold_flow() (0002, the plain reading of ROUTE-CHANGES.md) returns, on
-- random histories that reach every branch of its shortcuts: runs of
-- identical traces (the two-statement fast path), `*`s on the trace, on the
-- current path, on both, paths of other lengths (a prefix, a longer one),
-- another reached TTL, unreached paths, late and repeated timestamps,
-- pending candidates in a stored state, K from 1 to 4; plus the edges
-- (no steps, NULL steps, one step, a stored state and no steps).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(9);

-- Eleven paths over the same routers; reached TTL NULL for the unreached.
CREATE TEMP TABLE t_paths (c integer PRIMARY KEY, path inet[], rttl smallint) ON COMMIT DROP;
INSERT INTO t_paths VALUES
    (0, '{192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,198.51.100.9}', 5),
    (1, '{192.0.2.1,192.0.2.2,NULL,192.0.2.4,198.51.100.9}', 5),
    (2, '{192.0.2.1,192.0.2.12,192.0.2.3,192.0.2.4,198.51.100.9}', 5),
    (3, '{192.0.2.1,NULL,192.0.2.3,NULL,198.51.100.9}', 5),
    (4, '{192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4}', NULL),
    (5, '{192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,192.0.2.5,198.51.100.9}', 6),
    (6, '{192.0.2.1,192.0.2.2,192.0.2.3}', NULL),
    (7, '{192.0.2.1,192.0.2.2,192.0.2.3,NULL,NULL,NULL}', NULL),
    (8, '{NULL,192.0.2.12,192.0.2.3,192.0.2.4,198.51.100.9}', 5),
    (9, '{192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,192.0.2.6,192.0.2.7}', NULL),
    (10, '{192.0.2.1,192.0.2.12,NULL,192.0.2.4,198.51.100.9}', 5);

-- 400 histories of 60 traces: mostly long runs on one or two paths (the
-- common case), with a random path now and then; one in eight repeats or
-- goes back in time.
CREATE TEMP TABLE t_hist ON COMMIT DROP AS
SELECT s.f, array_agg(ROW(s.f * 1000 + s.i, s.ts, p.path, p.rttl)::pingsvc.route_step ORDER BY s.i) AS steps
  FROM (SELECT f, i,
               timestamptz '2026-03-01 00:00+00'
               + (i - CASE WHEN f % 8 = 0 AND i % 7 = 0 THEN 1 + (f + i) % 3 ELSE 0 END) * interval '1 minute' AS ts,
               CASE WHEN r < 0.15 THEN floor(random() * 11)::integer
                    WHEN r < 0.25 THEN 1 + (f % 3) * 2
                    ELSE (ARRAY[0, 2, 5, 4, 6, 8, 9, 0])[1 + f % 8]
                         * ((i / (4 + f % 9)) % 2) END AS c
          FROM (SELECT f, i, random() AS r
                  FROM generate_series(1, 400) AS f, generate_series(1, 60) AS i) AS x) AS s
  JOIN t_paths p ON p.c = s.c
 GROUP BY s.f;

SELECT is((SELECT count(*) FROM t_hist h, generate_series(1, 4) AS k
            WHERE pingsvc.fold_flow(NULL, h.steps, k) IS DISTINCT FROM pingsvc.fold_flow_v2(NULL, h.steps, k)),
          0::bigint, 'from a new flow, K = 1 to 4: the same state and changes as fold_flow()');

SELECT is((SELECT count(*) FROM t_hist h, generate_series(1, 4) AS k, (VALUES (2), (23), (41)) AS cut(n)
            CROSS JOIN LATERAL (SELECT (pingsvc.fold_flow(NULL, h.steps[1:cut.n], k)).o_flow AS s) AS st
            WHERE pingsvc.fold_flow(st.s, h.steps[cut.n + 1:], k)
                  IS DISTINCT FROM pingsvc.fold_flow_v2(st.s, h.steps[cut.n + 1:], k)),
          0::bigint, 'from a stored state cut anywhere (candidates pending): the same as fold_flow()');

SELECT is((SELECT count(*) FROM t_hist h
            WHERE pingsvc.fold_flow(NULL, h.steps[1:1], 2) IS DISTINCT FROM pingsvc.fold_flow_v2(NULL, h.steps[1:1], 2)
               OR pingsvc.fold_flow(NULL, h.steps[1:2], 1) IS DISTINCT FROM pingsvc.fold_flow_v2(NULL, h.steps[1:2], 1)),
          0::bigint, 'one or two steps: the same as fold_flow()');

SELECT ok((SELECT sum(cardinality((pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_events)) FROM t_hist h) > 400
          AND (SELECT sum(((pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_flow).transients) FROM t_hist h) > 400
          AND (SELECT sum(((pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_flow).late_traces) FROM t_hist h) > 50
          AND (SELECT count(*) FROM t_hist h WHERE ((pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_flow).cand_path IS NOT NULL) > 10,
          'the histories hold changes, transients, late traces and pending candidates');

SELECT is((SELECT count(*) FROM t_hist h
            WHERE (pingsvc.fold_flow_v2(NULL, h.steps, 2)).o_flow IS DISTINCT FROM
                  (pingsvc.fold_flow_v2((pingsvc.fold_flow_v2(NULL, h.steps[1:30], 2)).o_flow, h.steps[31:], 2)).o_flow),
          0::bigint, 'folding in two calls leaves the state one call leaves');

SELECT is((SELECT pingsvc.fold_flow_v2(NULL, NULL, 2)::text), (SELECT pingsvc.fold_flow(NULL, NULL, 2)::text),
          'NULL steps: nothing, as fold_flow()');
SELECT is((SELECT count(*) FROM t_hist h
            CROSS JOIN LATERAL (SELECT (pingsvc.fold_flow(NULL, h.steps, 2)).o_flow AS s) AS st
            WHERE pingsvc.fold_flow(st.s, '{}', 2) IS DISTINCT FROM pingsvc.fold_flow_v2(st.s, '{}', 2)
               OR (pingsvc.fold_flow_v2(st.s, '{}', 2)).o_flow IS DISTINCT FROM st.s),
          0::bigint, 'a stored state and no steps: the state unchanged');
SELECT is((SELECT count(*) FROM t_hist h
            WHERE pingsvc.fold_flow(NULL, h.steps, 2)
                  IS DISTINCT FROM pingsvc.fold_flow_v2(NULL, array_cat(ARRAY[]::pingsvc.route_step[], h.steps[1:60])
                                                          || '{}'::pingsvc.route_step[], 2)),
          0::bigint, 'an array built another way: the same result');

SELECT throws_ok($$SELECT pingsvc.fold_flow_v2(NULL, '{}', 0)$$, '22023', NULL,
                 'K < 1 is refused');

SELECT * FROM finish();
ROLLBACK;
