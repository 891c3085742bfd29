-- generate.sql: the data set of tests/bench/viewer, set-based (no
-- process_results(): at 2,000,000 traces that alone would take hours).
-- Variables: vantages, targets, per_target (vantages tracing each target:
-- vantage/target pairs = targets * per_target), traces (per pair),
-- step_min (minutes between two traces of a pair).  Fills every table the
-- pages read: workers, targets (bootstrap and hop-discovered), jobs,
-- results (one traceroute result per trace with a compact body, plus
-- pings), traces, hops (one reply per responding TTL), links,
-- route_changes, flows and flow_paths, geolocations, as_prefixes.
--
-- Shape of a path (13..16 hops, see vb_path):
--   TTL 1-2    the vantage's own network    30.V.0.x      AS 65000+V
--   TTL 3-5    its access ISP (V / 5)       40.I.T.x      AS 3300+I
--   TTL 6-8    transit, ECMP: paris_id picks one of two parallel routers
--                                           50.T.B.x      AS 174
--   TTL 9-10   a second transit; for every third pair it flips between two
--              networks every 40 traces (lasting route changes)
--                                           51.T.x.y / 52.T.x.y  AS 3356 / 1299
--   TTL 11..   the target's provider        60.G.T.x      AS 64500+G
--   last TTL   the target                   20.G.x.10     AS 64500+G
-- where G = target / 20.  TTL 4 is a '*' now and then; one target in 25
-- never answers (the trace ends in '*', not reached).  Each pair is traced
-- with Paris ids 1 and 2 alternately (two flows per pair).
SET client_min_messages = warning;
SET maintenance_work_mem = '512MB';
SET work_mem = '64MB';

CREATE TEMP TABLE vb_param AS
SELECT date_trunc('minute', now()) AS t_end,
       :vantages AS nv, :targets AS nt, :per_target AS per, :traces AS nk,
       make_interval(mins => :step_min) AS step;

-- The path of pair p (vantage v, target t) at its k-th trace.
CREATE FUNCTION pg_temp.vb_path(v int, t int, p int, k int)
RETURNS inet[]
LANGUAGE sql IMMUTABLE
RETURN ARRAY(
    SELECT CASE
             WHEN h <= 2 THEN '30.0.0.0'::inet + (v * 65536 + h)
             WHEN h = 4 AND (p + k) % 11 = 0 THEN NULL
             WHEN h <= 5 THEN '40.0.0.0'::inet + ((v / 5) * 65536 + h * 256 + v % 4 + 1)
             WHEN h <= 8 THEN '50.0.0.0'::inet + (h * 65536 + (1 + k % 2) * 256 + (t + v * 7) % 64 + 1)
             WHEN h <= 10 THEN (CASE WHEN p % 3 = 0 AND (k / 40) % 2 = 1
                                     THEN '52.0.0.0'::inet ELSE '51.0.0.0'::inet END)
                               + (h * 65536 + (t % 32) * 256 + v % 8 + 1)
             WHEN h < 13 + t % 4 THEN '60.0.0.0'::inet + ((t / 20) * 65536 + h * 256 + t % 4 + 1)
             WHEN t % 25 = 0 THEN NULL
             ELSE '20.0.0.0'::inet + ((t / 20) * 65536 + (t % 20) * 256 + 10)
           END
      FROM generate_series(1, 13 + t % 4) AS h
     ORDER BY h);

-- Pairs: target t is traced from per_target vantages spread over all.
CREATE TEMP TABLE vb_pair AS
SELECT p, t, (t * 7 + j * (nv / per)) % nv AS v
  FROM vb_param, generate_series(0, nt - 1) AS t, generate_series(0, per - 1) AS j,
       LATERAL (SELECT t * per + j AS p) x;

INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen, version, spool_depth, location, location_label)
SELECT 'vp' || v, sha256(v::text::bytea), '{icmp,udp,tcp}',
       t_end - make_interval(secs => v * 13), '1.0', v % 3,
       public.ST_SetSRID(public.ST_MakePoint(v * 37 % 340 - 170, v * 23 % 120 - 55), 4326)::public.geography,
       'site ' || v
  FROM vb_param, generate_series(0, nv - 1) AS v;

SELECT count(*) FROM vb_param,
       LATERAL pingsvc.ensure_partitions(t_end - step * (nk + 2) - interval '1 day', t_end) AS x \gset

-- Traces (and their results): trace k of pair p, paris id 1 + k % 2.
CREATE TEMP TABLE vb_trace AS
SELECT row_number() OVER () AS id, pr.p, pr.t, pr.v, k,
       par.t_end - par.step * (par.nk - 1 - k) - make_interval(secs => pr.p % 3600) AS ts,
       pg_temp.vb_path(pr.v, pr.t, pr.p, k) AS path
  FROM vb_pair pr, vb_param par, generate_series(0, par.nk - 1) AS k;

INSERT INTO pingsvc.results (result_id, ts, received_at, worker_id, job_id, type, af, target, body)
SELECT tr.id, tr.ts, tr.ts + interval '3 seconds', w.worker_id, NULL, 'traceroute', 4,
       '20.0.0.0'::inet + ((tr.t / 20) * 65536 + (tr.t % 20) * 256 + 10),
       jsonb_build_object('type', 'traceroute', 'af', 4, 'proto', 'ICMP',
                          'dst_addr', host('20.0.0.0'::inet + ((tr.t / 20) * 65536 + (tr.t % 20) * 256 + 10)),
                          'paris_id', 1 + tr.k % 2, 'timestamp', extract(epoch FROM tr.ts)::bigint,
                          'hops', cardinality(tr.path))
  FROM vb_trace tr JOIN pingsvc.workers w ON w.name = 'vp' || tr.v;

INSERT INTO pingsvc.traces (trace_id, result_id, vantage, worker_id, target, ts, proto, paris_id, path,
                            reached, reached_ttl)
SELECT tr.id, tr.id, 'vp' || tr.v, w.worker_id,
       '20.0.0.0'::inet + ((tr.t / 20) * 65536 + (tr.t % 20) * 256 + 10), tr.ts, 'icmp', 1 + tr.k % 2,
       tr.path, tr.t % 25 <> 0, CASE WHEN tr.t % 25 <> 0 THEN cardinality(tr.path) END
  FROM vb_trace tr JOIN pingsvc.workers w ON w.name = 'vp' || tr.v;

-- Hops: built with their indexes dropped and made again afterwards (a
-- sorted build instead of 30 million index insertions).
CREATE TEMP TABLE vb_hops_idx AS
SELECT indexdef FROM pg_indexes
 WHERE schemaname = 'pingsvc' AND tablename = 'hops' AND indexname <> 'hops_pkey';
DO $$
DECLARE
    v_def text;
BEGIN
    FOR v_def IN SELECT indexname FROM pg_indexes
                  WHERE schemaname = 'pingsvc' AND tablename = 'hops' AND indexname <> 'hops_pkey'
    LOOP
        EXECUTE format('DROP INDEX pingsvc.%I', v_def);
    END LOOP;
    ALTER TABLE pingsvc.hops DROP CONSTRAINT hops_pkey;
END;
$$;
INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms, reply_ttl, size)
SELECT tr.id, tr.ts, u.i, 0, u.a, round((u.i * 2.7 + (tr.id * 7 + u.i) % 13 * 0.4)::numeric, 3),
       255 - u.i, 68
  FROM vb_trace tr, unnest(tr.path) WITH ORDINALITY AS u(a, i)
 WHERE u.a IS NOT NULL;
ALTER TABLE pingsvc.hops ADD CONSTRAINT hops_pkey PRIMARY KEY (trace_id, ttl, probe, ts);
DO $$
DECLARE
    v_def text;
BEGIN
    FOR v_def IN SELECT indexdef FROM vb_hops_idx LOOP
        EXECUTE replace(v_def, ' ON ONLY ', ' ON ');
    END LOOP;
END;
$$;

-- Links: one per consecutive pair of answering addresses, from each
-- flow's paths (every 40-trace epoch, both Paris ids).
INSERT INTO pingsvc.links (near, far, first_seen, last_seen, times_seen)
SELECT l.near, l.far, min(tr.ts), max(tr.ts), count(*) * 20
  FROM vb_trace tr,
       LATERAL (SELECT tr.path[i] AS near, tr.path[i + 1] AS far
                  FROM generate_series(1, cardinality(tr.path) - 1) AS i) l
 WHERE tr.k % 20 IN (0, 1) AND l.near IS NOT NULL AND l.far IS NOT NULL AND l.near <> l.far
 GROUP BY l.near, l.far;

-- Route changes: every epoch boundary of the flipping pairs, per flow.
INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                                   old_path, new_path, old_reached, new_reached,
                                   diverge_ttl, rejoin_ttl, kind, as_changed, changed_hops)
SELECT 'vp' || n.v, '20.0.0.0'::inet + ((n.t / 20) * 65536 + (n.t % 20) * 256 + 10), 'icmp', 1 + n.k % 2,
       n.ts, o.ts, o.path, n.path, n.t % 25 <> 0, n.t % 25 <> 0, 9, 11, 'hop', true,
       n.path[9:10]
  FROM vb_trace n JOIN vb_trace o ON o.p = n.p AND o.k = n.k - 2
 WHERE n.p % 3 = 0 AND n.k % 40 IN (0, 1) AND n.k >= 40;

-- Route history (flows, flow_paths), as process_results() keeps it: one
-- flow per pair and Paris id; a flipping pair's flow is on a new path from
-- the first trace of each 40-trace epoch (the route changes above), the
-- others on one path.  A path is the merged one: the TTL-4 '*' of some
-- traces is filled from the others.
CREATE TEMP TABLE vb_seg AS
SELECT p, k % 2 AS par, CASE WHEN p % 3 = 0 THEN k / 40 ELSE 0 END AS s, v, t,
       min(ts) AS t0, max(ts) AS t1, count(*) AS n, max(k) AS klast
  FROM vb_trace
 GROUP BY 1, 2, 3, 4, 5;
INSERT INTO pingsvc.flows (flow_id, vantage, target, proto, paris_id, first_seen, last_ts, traces,
                           cur_path, cur_reached_ttl, cur_since, cur_last_at, cur_traces,
                           traces_since_change, changes)
SELECT DISTINCT ON (g.p, g.par)
       g.p * 2 + g.par + 1, 'vp' || g.v, '20.0.0.0'::inet + ((g.t / 20) * 65536 + (g.t % 20) * 256 + 10),
       'icmp', 1 + g.par, min(g.t0) OVER w, max(g.t1) OVER w, sum(g.n) OVER w,
       pg_temp.vb_path(g.v, g.t, g.p, g.klast - CASE WHEN (g.p + g.klast) % 11 = 0 THEN 2 ELSE 0 END),
       CASE WHEN g.t % 25 <> 0 THEN 13 + g.t % 4 END, g.t0, g.t1, g.n, g.n, count(*) OVER w - 1
  FROM vb_seg g
WINDOW w AS (PARTITION BY g.p, g.par)
 ORDER BY g.p, g.par, g.s DESC;
INSERT INTO pingsvc.flow_paths (flow_id, seq, path, reached_ttl, valid_from, valid_to, last_seen, traces)
SELECT g.p * 2 + g.par + 1, g.s + 1,
       pg_temp.vb_path(g.v, g.t, g.p, g.klast - CASE WHEN (g.p + g.klast) % 11 = 0 THEN 2 ELSE 0 END),
       CASE WHEN g.t % 25 <> 0 THEN 13 + g.t % 4 END, g.t0,
       lead(g.t0) OVER (PARTITION BY g.p, g.par ORDER BY g.s), g.t1, g.n
  FROM vb_seg g;
SELECT setval(pg_get_serial_sequence('pingsvc.flows', 'flow_id'), (SELECT max(flow_id) FROM pingsvc.flows)) AS seq \gset

-- Targets: the destinations, and every other answering address (hop
-- feedback), first seen with the first trace that showed it.
INSERT INTO pingsvc.targets (address, source, state, first_seen, last_seen, last_probed, reliability, asn)
SELECT '20.0.0.0'::inet + ((t / 20) * 65536 + (t % 20) * 256 + 10), 'bootstrap',
       CASE WHEN t % 25 = 0 THEN 'dead' WHEN t % 7 = 0 THEN 'flaky' ELSE 'responsive' END,
       (SELECT t_end - step * (nk + 1) FROM vb_param), now(), now(), 0.9, 64500 + t / 20
  FROM vb_param, generate_series(0, nt - 1) AS t;
INSERT INTO pingsvc.targets (address, source, state, first_seen, last_seen, discovered_by_trace)
SELECT DISTINCT ON (u.a) u.a, 'hop', 'new', tr.ts, tr.ts, tr.id
  FROM vb_trace tr, unnest(tr.path) AS u(a)
 WHERE tr.k < 42 AND u.a IS NOT NULL
 ORDER BY u.a, tr.ts
ON CONFLICT (address) DO NOTHING;

-- Jobs: the last round of every flow done, the next one ready or leased.
INSERT INTO pingsvc.jobs (kind, target, proto, paris_id, required_cap, state, worker_id, leased_at,
                          lease_expires, attempts, done_at, created_at)
SELECT 'traceroute', '20.0.0.0'::inet + ((pr.t / 20) * 65536 + (pr.t % 20) * 256 + 10), 'icmp', 1 + r % 2,
       'icmp', 'done', w.worker_id, now() - interval '1 hour', now() - interval '50 minutes', 1,
       now() - interval '55 minutes', now() - interval '2 hours'
  FROM vb_pair pr JOIN pingsvc.workers w ON w.name = 'vp' || pr.v, generate_series(0, 3) AS r;
INSERT INTO pingsvc.jobs (kind, target, proto, paris_id, required_cap)
SELECT 'traceroute', '20.0.0.0'::inet + ((pr.t / 20) * 65536 + (pr.t % 20) * 256 + 10), 'icmp', 1, 'icmp'
  FROM vb_pair pr;

SELECT setval(pg_get_serial_sequence('pingsvc.results', 'result_id'), (SELECT max(result_id) FROM pingsvc.results)) AS seq \gset

-- Pings: every target from its first vantage each step, as ping results.
INSERT INTO pingsvc.results (ts, received_at, worker_id, type, af, target, body)
SELECT par.t_end - par.step * k - make_interval(secs => t % 3000), now(), w.worker_id, 'ping', 4,
       '20.0.0.0'::inet + ((t / 20) * 65536 + (t % 20) * 256 + 10),
       jsonb_build_object('type', 'ping', 'sent', 3, 'rcvd', 3,
                          'result', jsonb_build_array(jsonb_build_object('rtt', 20 + t % 17),
                                                      jsonb_build_object('rtt', 21 + t % 13),
                                                      jsonb_build_object('rtt', 22 + k % 5)))
  FROM vb_param par, generate_series(0, par.nt - 1) AS t, generate_series(0, par.nk - 1) AS k,
       pingsvc.workers w
 WHERE w.name = 'vp' || ((t * 7) % par.nv);

-- Reference data: AS prefixes (when migration 0002 made the table) and
-- geolocations with countries.
DO $$
BEGIN
    IF to_regclass('pingsvc.as_prefixes') IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO pingsvc.as_prefixes (prefix, asn, source)
    SELECT set_masklen('30.0.0.0'::inet + v * 65536, 16)::cidr, 65000 + v, 'bench'
      FROM generate_series(0, 255) AS v
    UNION ALL
    SELECT set_masklen('40.0.0.0'::inet + i * 65536, 16)::cidr, 3300 + i, 'bench'
      FROM generate_series(0, 63) AS i
    UNION ALL
    SELECT '50.0.0.0/8', 174, 'bench'
    UNION ALL
    SELECT '51.0.0.0/8', 3356, 'bench'
    UNION ALL
    SELECT '52.0.0.0/8', 1299, 'bench'
    UNION ALL
    SELECT set_masklen(b + g * 65536, 16)::cidr, 64500 + g, 'bench'
      FROM generate_series(0, 255) AS g, unnest(ARRAY['20.0.0.0'::inet, '60.0.0.0'::inet]) AS b;
END;
$$;
INSERT INTO pingsvc.geolocations (prefix, location, country, source)
SELECT set_masklen(b + g * 65536, 16)::cidr,
       public.ST_SetSRID(public.ST_MakePoint((g * 37 + o) % 340 - 170, (g * 23 + o) % 120 - 55), 4326)::public.geography,
       (ARRAY['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'AU', 'ZA', 'CA', 'NL', 'SG'])[1 + (g + o) % 12],
       'bench'
  FROM generate_series(0, 255) AS g,
       (VALUES ('20.0.0.0'::inet, 0), ('30.0.0.0'::inet, 5), ('40.0.0.0'::inet, 9), ('60.0.0.0'::inet, 3)) AS x(b, o)
UNION ALL
SELECT set_masklen(b + h * 65536, 16)::cidr,
       public.ST_SetSRID(public.ST_MakePoint(h * 41 % 340 - 170, h * 17 % 120 - 55), 4326)::public.geography,
       (ARRAY['US', 'DE', 'GB', 'NL'])[1 + h % 4], 'bench'
  FROM generate_series(0, 15) AS h,
       unnest(ARRAY['50.0.0.0'::inet, '51.0.0.0'::inet, '52.0.0.0'::inet]) AS b;

SELECT setval(pg_get_serial_sequence('pingsvc.traces', 'trace_id'), (SELECT max(trace_id) FROM pingsvc.traces)) AS seq \gset
VACUUM ANALYZE;
SELECT format('# generated: %s traces, %s hops, %s route changes, %s links, %s targets',
              (SELECT count(*) FROM pingsvc.traces), (SELECT count(*) FROM pingsvc.hops),
              (SELECT count(*) FROM pingsvc.route_changes), (SELECT count(*) FROM pingsvc.links),
              (SELECT count(*) FROM pingsvc.targets));
