-- pingsvc.extract_results (migration 0018, pipeline v4): the extraction
-- stage of process_results().  From stored traceroute results (JSON) it
-- inserts traces and hops exactly as process_results() version 3 does
-- (process_results_v3.sql, steps 1a and 1b: same vantage, proto, paris_id,
-- path, reached and hop rules), and queues every new trace in
-- pingsvc.derive_queue (detect = false for a body with "stop_reason":
-- "GSS"), for derive_traces() or derive_pending() to derive.  Results that
-- are not traceroutes, are malformed, or already have their trace are
-- skipped: calling it twice changes nothing.
--
-- Unlike version 3 it keeps no per-TTL RTTs of the path (derive_traces()
-- reads them from the hop rows).
--
-- pingsvc.extract_results_ids() does the work and also returns the new
-- trace ids (process_results() version 4 derives exactly those);
-- extract_results() returns the counts only.
--
-- Concurrency: inserts only (traces, hops, derive_queue), no row locks on
-- shared rows, so it cannot deadlock with anything.  Extracting a result
-- that a concurrent transaction is extracting waits on
-- traces_result_ts_key and then fails with a unique violation (retry).

CREATE FUNCTION pingsvc.extract_results_ids(p_result_ids bigint[],
                                            OUT traces integer, OUT hops integer,
                                            OUT trace_ids bigint[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
SET work_mem = '64MB'
SET enable_nestloop = on
SET jit = off
AS $$
DECLARE
    v_r_id      bigint[];
    v_r_ts      timestamptz[];
    v_r_target  inet[];
    v_r_source  text[];
    v_r_worker  bigint[];
    v_r_body    jsonb[];
    v_r_vantage text[];
    v_r_proto   text[];
    v_r_paris   integer[];
    v_r_gss     boolean[];
BEGIN
    traces := 0;
    hops := 0;
    trace_ids := '{}';
    -- 1a. the batch's results, looked up by id (a join, not "= ANY", whose
    -- filter compares every row read with every id); of each body only
    -- its "result" array is kept.
    SELECT array_agg(x.result_id), array_agg(x.ts), array_agg(x.target), array_agg(x.source),
           array_agg(x.worker_id), array_agg(x.body), array_agg(x.vantage), array_agg(x.proto),
           array_agg(x.paris_id), array_agg(x.gss)
      INTO v_r_id, v_r_ts, v_r_target, v_r_source, v_r_worker, v_r_body, v_r_vantage, v_r_proto,
           v_r_paris, v_r_gss
      FROM (SELECT q.result_id, q.ts, q.target, q.source, q.worker_id, q.body, q.vantage, q.proto,
                   q.paris_id, q.gss
              FROM (SELECT r.result_id, r.ts, r.target, r.source, r.worker_id, b.result AS body,
                           CASE r.source WHEN 'atlas' THEN 'atlas:' || (b.prb_id #>> '{}')
                                         ELSE w.name END AS vantage,
                           coalesce(lower(b.proto #>> '{}'), 'icmp') AS proto,
                           CASE WHEN jsonb_typeof(b.paris_id) = 'number'
                                     AND (b.paris_id #>> '{}')::numeric BETWEEN 0 AND 65535
                                THEN (b.paris_id #>> '{}')::numeric::integer END AS paris_id,
                           coalesce(b.stop_reason #>> '{}' = 'GSS', false) AS gss
                      FROM (SELECT DISTINCT u.id FROM unnest(p_result_ids) AS u(id)) AS i
                      JOIN pingsvc.results r ON r.result_id = i.id
                      -- The body is read (detoasted) once, its fields taken in one pass.
                      CROSS JOIN LATERAL jsonb_to_record(r.body)
                           AS b(prb_id jsonb, proto jsonb, paris_id jsonb, stop_reason jsonb, result jsonb)
                      LEFT JOIN pingsvc.workers w ON w.worker_id = r.worker_id
                     WHERE r.type = 'traceroute'
                       AND jsonb_typeof(b.result) = 'array'
                       AND NOT EXISTS (SELECT 1 FROM pingsvc.traces t
                                        WHERE t.result_id = r.result_id AND t.ts = r.ts)) AS q
             WHERE q.vantage ~ '^([A-Za-z0-9][A-Za-z0-9._-]{0,62}|atlas:[0-9]{1,10})$'
               AND q.proto IN ('icmp', 'udp', 'tcp')) AS x;

    IF v_r_id IS NULL THEN
        RETURN;
    END IF;

    -- 1b. traces and hops (process_results() version 3's statement, up to
    -- the hop rows), and the new traces queued for derivation.  The row
    -- estimates of these CTEs mean little, so nested loops (quadratic when
    -- misjudged) are off for this statement: it reads no table.  (jit is
    -- off for the function: compiling this statement costs seconds.)
    PERFORM set_config('enable_nestloop', 'off', true);
    WITH res AS MATERIALIZED (
        SELECT * FROM unnest(v_r_id, v_r_ts, v_r_target, v_r_source, v_r_worker, v_r_body,
                             v_r_vantage, v_r_proto, v_r_paris, v_r_gss)
                   AS u(result_id, ts, target, source, worker_id, body, vantage, proto, paris_id, gss)
    ), ent AS MATERIALIZED (
        -- One row per valid hop entry.
        SELECT e.result_id, e.target, e.fam, e.hord, e.ttl, e.probes
          FROM (SELECT res.result_id, res.target, family(res.target) AS fam, h.ord AS hord,
                       CASE WHEN jsonb_typeof(h.h) = 'object' AND (h.h ->> 'hop') ~ '^[0-9]{1,3}$'
                            THEN (h.h ->> 'hop')::integer END AS ttl,
                       CASE WHEN jsonb_typeof(h.h -> 'result') = 'array' THEN h.h -> 'result' END AS probes
                  FROM res
                  CROSS JOIN LATERAL jsonb_array_elements(res.body) WITH ORDINALITY AS h(h, ord)) AS e
         WHERE e.ttl BETWEEN 1 AND 255
    ), multi AS MATERIALIZED (
        -- Results repeating a hop number: their probes are numbered across entries.
        SELECT DISTINCT ent.result_id
          FROM ent
         GROUP BY ent.result_id, ent.ttl
        HAVING count(*) > 1
    ), prb AS MATERIALIZED (
        -- Probes ("dup" left out before counting), k = index inside the
        -- entry, each probe object's fields looked up once; the object
        -- itself is not carried further (it made these rows wide enough to
        -- spill a large batch to disk).
        SELECT ent.result_id, ent.target, ent.fam, ent.ttl, ent.hord, p.k, p.from_txt, p.rtt,
               p.rttl, p.size, p.has_err, p.err, p.icmpext
          FROM ent
          CROSS JOIN LATERAL (SELECT row_number() OVER () AS k,
                                     CASE WHEN jsonb_typeof(j."from") = 'string'
                                          THEN j."from" #>> '{}' END AS from_txt,
                                     j.rtt, j.ttl AS rttl, j.size, x.x ? 'err' AS has_err, j.err,
                                     j.icmpext
                                FROM jsonb_array_elements(ent.probes) AS x(x)
                                CROSS JOIN LATERAL jsonb_to_record(x.x)
                                     AS j("from" jsonb, rtt jsonb, ttl jsonb, size jsonb, err jsonb,
                                          icmpext jsonb, dup jsonb)
                               WHERE jsonb_typeof(x.x) = 'object'
                                 AND j.dup IS DISTINCT FROM 'true'::jsonb) AS p
         WHERE ent.probes IS NOT NULL
    ), rep0 AS MATERIALIZED (
        -- The probes that name a responder, numbered across entries for
        -- results that repeat a hop number.
        SELECT n.*
          FROM (SELECT prb.result_id, prb.target, prb.fam, prb.ttl, prb.k - 1 AS probe, prb.from_txt,
                       prb.rtt, prb.rttl, prb.size, prb.has_err, prb.err, prb.icmpext
                  FROM prb
                 WHERE NOT EXISTS (SELECT 1 FROM multi m WHERE m.result_id = prb.result_id)
                UNION ALL
                SELECT prb.result_id, prb.target, prb.fam, prb.ttl,
                       row_number() OVER (PARTITION BY prb.result_id, prb.ttl ORDER BY prb.hord, prb.k) - 1,
                       prb.from_txt, prb.rtt, prb.rttl, prb.size, prb.has_err, prb.err, prb.icmpext
                  FROM prb
                 WHERE EXISTS (SELECT 1 FROM multi m WHERE m.result_id = prb.result_id)) AS n
         WHERE n.probe <= 63 AND n.from_txt IS NOT NULL
    ), addr AS MATERIALIZED (
        -- host_inet() (PL/pgSQL) only for what is not a plain dotted quad.
        SELECT d.from_txt,
               CASE WHEN d.from_txt ~ '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$'
                    THEN d.from_txt::inet ELSE pingsvc.host_inet(d.from_txt) END AS address
          FROM (SELECT DISTINCT rep0.from_txt FROM rep0) AS d
    ), rep AS MATERIALIZED (
        -- The answered probes, as pingsvc.hops stores them.
        SELECT v.result_id, v.target, v.ttl::smallint AS ttl, v.probe::smallint AS probe, v.address,
               CASE WHEN v.rtt_n >= 0 AND v.rtt_n < 60000 THEN v.rtt_n END AS rtt_ms,
               CASE WHEN v.rttl_n BETWEEN 0 AND 255 THEN v.rttl_n::smallint END AS reply_ttl,
               CASE WHEN v.size_n BETWEEN 0 AND 65535 THEN v.size_n::integer END AS size,
               CASE WHEN v.icmpext IS NOT NULL
                    THEN nullif(jsonb_path_query_array(v.icmpext, '$.obj[*].mpls[*]'), '[]'::jsonb)
               END AS mpls,
               CASE WHEN v.has_err THEN 3 END::smallint AS icmp_type,
               CASE WHEN v.err IS NULL THEN NULL
                    WHEN jsonb_typeof(v.err) = 'number'
                    THEN CASE WHEN v.err::numeric BETWEEN 0 AND 255 THEN v.err::numeric::smallint END
                    ELSE CASE v.err #>> '{}'
                             WHEN 'N' THEN 0 WHEN 'H' THEN 1 WHEN 'P' THEN 2
                             WHEN 'p' THEN 3 WHEN 'A' THEN 13 END END::smallint AS icmp_code
          FROM (SELECT rep0.result_id, rep0.target, rep0.ttl, rep0.probe, a.address, rep0.has_err, rep0.err,
                       rep0.icmpext,
                       CASE WHEN jsonb_typeof(rep0.rtt) = 'number' THEN rep0.rtt::double precision END AS rtt_n,
                       CASE WHEN jsonb_typeof(rep0.rttl) = 'number' THEN rep0.rttl::numeric END AS rttl_n,
                       CASE WHEN jsonb_typeof(rep0.size) = 'number' THEN rep0.size::numeric END AS size_n
                  FROM rep0
                  JOIN addr a ON a.from_txt = rep0.from_txt
                 WHERE a.address IS NOT NULL AND family(a.address) = rep0.fam) AS v
    ), len AS (
        -- Path length: the highest hop number, but Atlas's closing
        -- all-timeout hop 255 after a gap is dropped.
        SELECT l.result_id,
               CASE WHEN l.has255 AND (l.m IS NULL OR l.m >= 254 OR s.answered255)
                    THEN 255 ELSE l.m END AS n,
               s.reached_ttl
          FROM (SELECT ent.result_id, max(ent.ttl) FILTER (WHERE ent.ttl < 255) AS m,
                       bool_or(ent.ttl = 255) AS has255
                  FROM ent
                 GROUP BY ent.result_id) AS l
          LEFT JOIN (SELECT rep.result_id, bool_or(rep.ttl = 255) AS answered255,
                            min(rep.ttl) FILTER (WHERE rep.address = rep.target) AS reached_ttl
                       FROM rep
                      GROUP BY rep.result_id) AS s ON s.result_id = l.result_id
    ), resp AS (
        -- Per TTL the most frequent responder, ties to the first to answer.
        SELECT DISTINCT ON (c.result_id, c.ttl) c.result_id, c.ttl, c.address
          FROM (SELECT rep.result_id, rep.ttl, rep.address, count(*) AS n,
                       min(rep.probe) AS first_probe
                  FROM rep
                 GROUP BY rep.result_id, rep.ttl, rep.address) AS c
         ORDER BY c.result_id, c.ttl, c.n DESC, c.first_probe
    ), pth AS (
        SELECT len.result_id, min(len.reached_ttl) AS reached_ttl,
               array_agg(resp.address ORDER BY g.i) AS path
          FROM len
          CROSS JOIN LATERAL generate_series(1, len.n) AS g(i)
          LEFT JOIN resp ON resp.result_id = len.result_id AND resp.ttl = g.i
         WHERE len.n IS NOT NULL
         GROUP BY len.result_id
    ), tr AS MATERIALIZED (
        SELECT nextval('pingsvc.traces_trace_id_seq'::regclass) AS trace_id,
               res.result_id, res.vantage, res.worker_id, res.target, res.ts, res.proto,
               res.paris_id, res.source, res.gss, pth.path, pth.reached_ttl
          FROM res
          JOIN pth ON pth.result_id = res.result_id
    ), ins_traces AS (
        INSERT INTO pingsvc.traces (trace_id, result_id, vantage, worker_id, target, ts, proto,
                                    paris_id, path, reached, reached_ttl, source)
        SELECT tr.trace_id, tr.result_id, tr.vantage, tr.worker_id, tr.target, tr.ts, tr.proto,
               tr.paris_id, tr.path, tr.reached_ttl IS NOT NULL, tr.reached_ttl, tr.source
          FROM tr
        RETURNING 1
    ), hp AS MATERIALIZED (
        SELECT tr.trace_id, tr.ts, rep.*
          FROM rep
          JOIN tr ON tr.result_id = rep.result_id
    ), ins_hops AS (
        INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms, reply_ttl, size,
                                  mpls, icmp_type, icmp_code)
        SELECT hp.trace_id, hp.ts, hp.ttl, hp.probe, hp.address, hp.rtt_ms, hp.reply_ttl, hp.size,
               hp.mpls, hp.icmp_type, hp.icmp_code
          FROM hp
        RETURNING 1
    ), ins_queue AS (
        -- Executed to completion though nothing reads it (a data-modifying CTE).
        INSERT INTO pingsvc.derive_queue (trace_id, ts, detect)
        SELECT tr.trace_id, tr.ts, NOT tr.gss
          FROM tr
    )
    SELECT (SELECT count(*) FROM ins_traces), (SELECT count(*) FROM ins_hops),
           coalesce((SELECT array_agg(tr.trace_id) FROM tr), '{}')
      INTO traces, hops, trace_ids;

    PERFORM set_config('enable_nestloop', 'on', true);
END;
$$;

COMMENT ON FUNCTION pingsvc.extract_results_ids(bigint[]) IS
    'extract_results() that also returns the ids of the traces it stored (and queued in derive_queue); process_results() version 4 derives them at once.';

CREATE FUNCTION pingsvc.extract_results(p_result_ids bigint[])
RETURNS TABLE (traces integer, hops integer)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pingsvc
AS $$
    SELECT e.traces, e.hops FROM pingsvc.extract_results_ids(p_result_ids) AS e;
$$;

COMMENT ON FUNCTION pingsvc.extract_results(bigint[]) IS
    'Extraction stage (pipeline v4, 0018): from the given stored results, traceroutes without a trace yet (others skipped, so it is idempotent), insert traces and hops as process_results() version 3 does and queue each new trace in derive_queue (detect false when the body says "stop_reason": "GSS"), in the caller''s transaction.  Returns how many traces and hop rows it stored.  derive_traces() or derive_pending() derive them.';

REVOKE ALL ON FUNCTION pingsvc.extract_results_ids(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.extract_results_ids(bigint[]) TO pingsvc_ingest;
REVOKE ALL ON FUNCTION pingsvc.extract_results(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.extract_results(bigint[]) TO pingsvc_ingest;
