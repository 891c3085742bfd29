-- bench.sql: the body of tests/bench/sql (see there).  Variables: flows,
-- traces, readme.  Prints metric and ratio lines only.
SET client_min_messages = warning;
\set readme_text `cat :readme`

-- Synthetic history: flow f (probe 1000 + f, target 203.0.113.x / f) sees
-- 14 routers; every third flow swaps its router at TTL 7 every 7 traces
-- (lasting changes), every fifth loses TTL 4 now and then (`*`).
SELECT count(*) FROM pingsvc.ensure_partitions('2026-01-05', '2026-01-08') \gset
CREATE TEMP TABLE b_results AS
SELECT f, i, timestamptz '2026-01-05 00:00+00' + i * interval '15 minutes' + f * interval '1 second' AS ts,
       ('198.51.' || (f / 250) || '.' || (f % 250 + 1))::inet AS target
  FROM generate_series(0, :flows - 1) AS f, generate_series(0, :traces) AS i;

CREATE TEMP TABLE b_bodies AS
SELECT r.f, r.i, r.ts, r.target,
       jsonb_build_object('type', 'traceroute', 'af', 4, 'proto', 'ICMP', 'prb_id', 1000 + r.f,
                          'dst_addr', host(r.target), 'paris_id', 1,
                          'timestamp', extract(epoch FROM r.ts)::bigint,
                          'result', (SELECT jsonb_agg(jsonb_build_object('hop', h, 'result',
                                        CASE WHEN r.f % 5 = 0 AND h = 4 AND r.i % 4 = 1
                                             THEN '[{"x": "*"}, {"x": "*"}, {"x": "*"}]'::jsonb
                                             ELSE (SELECT jsonb_agg(jsonb_build_object(
                                                        'from', CASE WHEN h = 14 THEN host(r.target)
                                                                     WHEN h = 7 AND r.f % 3 = 0 AND (r.i / 7) % 2 = 1
                                                                     THEN '11.7.' || (r.f % 200) || '.99'
                                                                     ELSE '11.' || h || '.' || (r.f % 200) || '.1' END,
                                                        'rtt', round((h * 2.5 + p * 0.1)::numeric, 3),
                                                        'size', 68, 'ttl', 255 - h))
                                                     FROM generate_series(0, 2) AS p) END)
                                        ORDER BY h)
                                       FROM generate_series(1, 14) AS h)) AS body
  FROM b_results r;

INSERT INTO pingsvc.results (ts, type, af, target, body, source)
SELECT ts, 'traceroute', 4, target, body, 'atlas' FROM b_bodies WHERE i < :traces;
ANALYZE pingsvc.results;

-- ours: process_results over the history, one batch (and one transaction,
-- as a gateway would) per round of traces.
CREATE TEMP TABLE b_time (name text PRIMARY KEY, ms double precision);
CREATE TEMP TABLE b_batches AS
SELECT row_number() OVER (ORDER BY min(ts)) AS n, array_agg(result_id ORDER BY result_id) AS ids
  FROM pingsvc.results
 GROUP BY date_trunc('hour', ts), (extract(minute FROM ts)::integer / 15);
DO $$
DECLARE
    v_t0 timestamptz := clock_timestamp();
    v_n bigint;
BEGIN
    FOR v_n IN SELECT n FROM b_batches ORDER BY n LOOP
        PERFORM pingsvc.process_results((SELECT ids FROM b_batches WHERE n = v_n));
        COMMIT;
    END LOOP;
    INSERT INTO b_time VALUES ('extract', extract(epoch FROM clock_timestamp() - v_t0) * 1000);
END;
$$;
ANALYZE pingsvc.traces;
ANALYZE pingsvc.hops;

-- baseline: the same hop rows with a plain INSERT ... SELECT.
CREATE TEMP TABLE b_hops (LIKE pingsvc.hops INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
CREATE TEMP TABLE b_src AS SELECT * FROM pingsvc.hops;
DO $$
DECLARE
    v_t0 timestamptz := clock_timestamp();
BEGIN
    INSERT INTO b_hops SELECT * FROM b_src;
    INSERT INTO b_time VALUES ('extract_baseline', extract(epoch FROM clock_timestamp() - v_t0) * 1000);
END;
$$;

-- detection: fold_flow over every flow's whole history (no writes) against
-- a bare lag() comparison of consecutive paths.
DO $$
DECLARE
    v_t0 timestamptz := clock_timestamp();
    v_n bigint;
BEGIN
    SELECT sum(cardinality((pingsvc.fold_flow_v2(NULL, s.steps, 2)).o_events)) INTO v_n
      FROM (SELECT array_agg(ROW(t.trace_id, t.ts, t.path, t.reached_ttl)::pingsvc.route_step
                             ORDER BY t.ts, t.trace_id) AS steps
              FROM pingsvc.traces t
             GROUP BY t.vantage, t.target, t.proto, t.paris_id) AS s;
    INSERT INTO b_time VALUES ('detect', extract(epoch FROM clock_timestamp() - v_t0) * 1000);
    v_t0 := clock_timestamp();
    SELECT count(*) FILTER (WHERE l.path IS DISTINCT FROM l.prev) INTO v_n
      FROM (SELECT t.path, lag(t.path) OVER (PARTITION BY t.vantage, t.target ORDER BY t.ts) AS prev
              FROM pingsvc.traces t) AS l;
    INSERT INTO b_time VALUES ('detect_baseline', extract(epoch FROM clock_timestamp() - v_t0) * 1000);
END;
$$;

-- incremental: one more trace per flow, one call.
INSERT INTO pingsvc.results (ts, type, af, target, body, source)
SELECT ts, 'traceroute', 4, target, body, 'atlas' FROM b_bodies WHERE i = :traces;
DO $$
DECLARE
    v_t0 timestamptz;
    v_ids bigint[];
BEGIN
    SELECT array_agg(r.result_id) INTO v_ids
      FROM pingsvc.results r
     WHERE NOT EXISTS (SELECT 1 FROM pingsvc.traces t WHERE t.result_id = r.result_id AND t.ts = r.ts);
    v_t0 := clock_timestamp();
    PERFORM pingsvc.process_results(v_ids);
    INSERT INTO b_time VALUES ('incremental', extract(epoch FROM clock_timestamp() - v_t0) * 1000);
END;
$$;

-- analysts: every example of sql/README.md, as pingsvc_analyst.
CREATE TEMP TABLE b_examples AS
SELECT rtrim(m[1], E'; \n') AS query
  FROM regexp_matches(:'readme_text', E'```sql\n(.*?)```', 'g') AS m;
GRANT SELECT ON b_examples TO PUBLIC;
GRANT SELECT, INSERT ON b_time TO PUBLIC;
SET ROLE pingsvc_analyst;
DO $$
DECLARE
    v_q text;
    v_t0 timestamptz;
    v_max double precision := 0;
    v_n bigint;
BEGIN
    FOR v_q IN SELECT query FROM b_examples LOOP
        v_t0 := clock_timestamp();
        EXECUTE format('SELECT count(*) FROM (%s) AS q', v_q) INTO v_n;
        v_max := greatest(v_max, extract(epoch FROM clock_timestamp() - v_t0) * 1000);
    END LOOP;
    INSERT INTO b_time VALUES ('analyst_max', v_max);
END;
$$;
RESET ROLE;

SELECT format('metric %s_ms %s ms', name, round(ms::numeric, 1)) FROM b_time ORDER BY name;
SELECT format('metric traces %s count', (SELECT count(*) FROM pingsvc.traces));
SELECT format('metric hops %s count', (SELECT count(*) FROM pingsvc.hops));
SELECT format('metric route_changes %s count', (SELECT count(*) FROM pingsvc.route_changes));
SELECT format('metric extract_rate %s traces/s',
              round((SELECT count(*) FROM pingsvc.traces) / ((SELECT ms FROM b_time WHERE name = 'extract') / 1000)::numeric));
SELECT format('ratio extract %s', round(((SELECT ms FROM b_time WHERE name = 'extract_baseline')
                                         / (SELECT ms FROM b_time WHERE name = 'extract'))::numeric, 4));
SELECT format('ratio detect %s', round(((SELECT ms FROM b_time WHERE name = 'detect_baseline')
                                        / (SELECT ms FROM b_time WHERE name = 'detect'))::numeric, 4));
