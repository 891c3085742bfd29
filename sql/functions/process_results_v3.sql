-- pingsvc.process_results, version 3 (migration 0014): the contract of
-- version 2 (process_results_v2.sql, 0009) -- traces, hops, links,
-- link_rtt_daily, hop feedback, route changes with flows/flow_paths and
-- NOTIFY, idempotent, same counts returned, same lock order, detection by
-- fold_flow_v2() -- with less work per row:
--   - the batch's results are joined to the ids (version 2's "= ANY (ids)"
--     filter compared every row it read with every id once the planner
--     scanned a partition: quadratic in the batch size);
--   - each body is detoasted once (jsonb_to_record takes prb_id, proto,
--     paris_id, stop_reason and result in one pass) and only its "result"
--     array travels on;
--   - probe rows carry their fields, not their whole JSON object (MPLS
--     labels are read from icmpext), so a large batch does not spill its
--     probe rows to disk;
--   - dotted quads are cast directly, host_inet() only sees the rest;
--   - hop feedback consults the safety lists only for the addresses the
--     upsert could change (the planner ran is_probe_allowed() first).
-- Migration 0014 also inlines the CHECK helpers (is_host_address,
-- is_host_path) and drops hops_address_idx, which the inserts here feel
-- most.
--
-- Stopped traces: a traceroute whose body has "stop_reason": "GSS" stopped
-- at a hop of the global stop set (Doubletree), short of the destination.
-- It is a partial observation: its trace, hops, links and hop feedback are
-- stored, but detection never sees it (no flow state, no flow_paths
-- update, no route change, no "destination lost").
--
-- Concurrency: as versions 1 and 2.  Safe to call from many sessions at
-- once, in READ COMMITTED.  Rows are locked in one global order so that
-- batches cannot deadlock: links (by near, far), link_rtt_daily (by near,
-- far, day), targets (by address), then a transaction-level advisory lock
-- per flow of the batch (hashtextextended of vantage|target|proto|paris_id,
-- in hash order), taken before the flow's state is read.  Re-processing a
-- result that a concurrent transaction is processing waits on
-- traces_result_ts_key and then fails with a unique violation (retry).
-- Under REPEATABLE READ or SERIALIZABLE a concurrent update of the same
-- flow raises a serialization failure instead; retry the transaction.  A
-- trace not newer than the last one detection saw for its flow is stored
-- but not fed to detection (flows.late_traces).

CREATE OR REPLACE FUNCTION pingsvc.process_results(p_result_ids bigint[])
RETURNS TABLE (traces integer, hops integer, links integer, new_targets integer, route_changes integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
SET work_mem = '64MB'
SET enable_nestloop = on
SET jit = off
AS $$
DECLARE
    v_k         integer;
    v_traces    integer := 0;
    v_hops      integer := 0;
    v_links     integer := 0;
    v_targets   integer := 0;
    v_changes   integer := 0;
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
    v_t_vantage text[];
    v_t_target  inet[];
    v_t_proto   text[];
    v_t_paris   integer[];
    v_t_step    pingsvc.route_step[];
    v_events    pingsvc.route_event[];
    v_flow_ids  bigint[];
    v_l_near    inet[];
    v_l_far     inet[];
    v_l_ts      timestamptz[];
    v_l_trace   bigint[];
    v_l_diff    double precision[];
    v_h_addr    inet[];
    v_h_first   timestamptz[];
    v_h_last    timestamptz[];
    v_h_trace   bigint[];
    v_flows_written bigint;
    v_have_as   boolean;
BEGIN
    SELECT s.value::integer INTO v_k FROM pingsvc.settings s WHERE s.name = 'route_change_k';
    v_k := coalesce(v_k, 2);
    v_have_as := EXISTS (SELECT 1 FROM pingsvc.as_prefixes);

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
        RETURN QUERY SELECT 0, 0, 0, 0, 0;
        RETURN;
    END IF;

    -- 1b. traces and hops, links and hop addresses gathered on the way.  The
    -- row estimates of these CTEs mean little, so nested loops (quadratic
    -- when misjudged) are off for this statement: it reads no table.  (jit
    -- is off for the function: compiling this statement costs seconds.)
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
        SELECT DISTINCT ON (c.result_id, c.ttl) c.result_id, c.ttl, c.address, c.rtt_ms
          FROM (SELECT rep.result_id, rep.ttl, rep.address, count(*) AS n,
                       min(rep.probe) AS first_probe, min(rep.rtt_ms) AS rtt_ms
                  FROM rep
                 GROUP BY rep.result_id, rep.ttl, rep.address) AS c
         ORDER BY c.result_id, c.ttl, c.n DESC, c.first_probe
    ), pth AS (
        SELECT len.result_id, min(len.reached_ttl) AS reached_ttl,
               array_agg(resp.address ORDER BY g.i) AS path,
               array_agg(resp.rtt_ms ORDER BY g.i) AS rtts
          FROM len
          CROSS JOIN LATERAL generate_series(1, len.n) AS g(i)
          LEFT JOIN resp ON resp.result_id = len.result_id AND resp.ttl = g.i
         WHERE len.n IS NOT NULL
         GROUP BY len.result_id
    ), tr AS MATERIALIZED (
        SELECT nextval('pingsvc.traces_trace_id_seq'::regclass) AS trace_id,
               res.result_id, res.vantage, res.worker_id, res.target, res.ts, res.proto,
               res.paris_id, res.source, res.gss, pth.path, pth.rtts, pth.reached_ttl
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
    ), lk AS (
        -- (path[i], path[i+1]) both answered, different: once per trace.
        SELECT DISTINCT ON (tr.trace_id, tr.path[g.i], tr.path[g.i + 1])
               tr.trace_id, tr.ts, tr.path[g.i] AS near, tr.path[g.i + 1] AS far,
               tr.rtts[g.i + 1] - tr.rtts[g.i] AS diff
          FROM tr
          CROSS JOIN LATERAL generate_series(1, cardinality(tr.path) - 1) AS g(i)
         WHERE tr.path[g.i] IS NOT NULL AND tr.path[g.i + 1] IS NOT NULL
           AND tr.path[g.i] <> tr.path[g.i + 1]
         ORDER BY tr.trace_id, tr.path[g.i], tr.path[g.i + 1], g.i
    ), ha AS (
        -- Hop addresses: first sighting (ts, then trace), last ts.
        SELECT p.address, min(p.ts) AS first_ts, max(p.ts) AS last_ts,
               (array_agg(p.trace_id ORDER BY p.ts, p.trace_id))[1] AS trace_id
          FROM (SELECT DISTINCT hp.address, hp.ts, hp.trace_id FROM hp) AS p
         GROUP BY p.address
    )
    SELECT (SELECT count(*) FROM ins_traces), (SELECT count(*) FROM ins_hops),
           -- Route history leaves out GSS-stopped traces (partial observations).
           (SELECT array_agg(tr.vantage) FROM tr WHERE NOT tr.gss),
           (SELECT array_agg(tr.target) FROM tr WHERE NOT tr.gss),
           (SELECT array_agg(tr.proto) FROM tr WHERE NOT tr.gss),
           (SELECT array_agg(tr.paris_id) FROM tr WHERE NOT tr.gss),
           (SELECT array_agg(ROW(tr.trace_id, tr.ts, tr.path, tr.reached_ttl)::pingsvc.route_step)
              FROM tr WHERE NOT tr.gss),
           (SELECT array_agg(lk.near) FROM lk), (SELECT array_agg(lk.far) FROM lk),
           (SELECT array_agg(lk.ts) FROM lk), (SELECT array_agg(lk.trace_id) FROM lk),
           (SELECT array_agg(lk.diff) FROM lk),
           (SELECT array_agg(ha.address) FROM ha), (SELECT array_agg(ha.first_ts) FROM ha),
           (SELECT array_agg(ha.last_ts) FROM ha), (SELECT array_agg(ha.trace_id) FROM ha)
      INTO v_traces, v_hops, v_t_vantage, v_t_target, v_t_proto, v_t_paris, v_t_step,
           v_l_near, v_l_far, v_l_ts, v_l_trace, v_l_diff,
           v_h_addr, v_h_first, v_h_last, v_h_trace;

    PERFORM set_config('enable_nestloop', 'on', true);

    IF v_traces = 0 THEN
        RETURN QUERY SELECT 0, 0, 0, 0, 0;
        RETURN;
    END IF;

    -- 2. links, locked in (near, far) order -------------------------------------
    WITH agg AS (
        SELECT l.near, l.far, min(l.ts) AS first_seen, max(l.ts) AS last_seen,
               count(*) AS times_seen,
               min(l.diff) AS dmin, max(l.diff) AS dmax, sum(l.diff) AS dsum,
               count(l.diff) AS dcount,
               (array_agg(l.trace_id ORDER BY l.ts DESC, l.trace_id DESC))[1] AS last_trace_id
          FROM unnest(v_l_near, v_l_far, v_l_ts, v_l_trace, v_l_diff) AS l(near, far, ts, trace_id, diff)
         GROUP BY l.near, l.far
    ), up AS (
        INSERT INTO pingsvc.links AS l (near, far, first_seen, last_seen, times_seen,
                                        rtt_diff_min_ms, rtt_diff_max_ms, rtt_diff_sum_ms,
                                        rtt_diff_count, last_trace_id)
        SELECT agg.near, agg.far, agg.first_seen, agg.last_seen, agg.times_seen,
               agg.dmin, agg.dmax, agg.dsum, agg.dcount, agg.last_trace_id
          FROM agg
         ORDER BY agg.near, agg.far
        ON CONFLICT (near, far) DO UPDATE
        SET first_seen = least(l.first_seen, excluded.first_seen),
            last_seen = greatest(l.last_seen, excluded.last_seen),
            times_seen = l.times_seen + excluded.times_seen,
            rtt_diff_min_ms = least(l.rtt_diff_min_ms, excluded.rtt_diff_min_ms),
            rtt_diff_max_ms = greatest(l.rtt_diff_max_ms, excluded.rtt_diff_max_ms),
            rtt_diff_sum_ms = CASE WHEN l.rtt_diff_sum_ms IS NULL THEN excluded.rtt_diff_sum_ms
                                   WHEN excluded.rtt_diff_sum_ms IS NULL THEN l.rtt_diff_sum_ms
                                   ELSE l.rtt_diff_sum_ms + excluded.rtt_diff_sum_ms END,
            rtt_diff_count = l.rtt_diff_count + excluded.rtt_diff_count,
            last_trace_id = CASE WHEN excluded.last_seen >= l.last_seen
                                 THEN excluded.last_trace_id ELSE l.last_trace_id END
        RETURNING 1
    )
    SELECT count(*) INTO v_links FROM up;

    -- 2b. the same sightings per UTC day, locked in (near, far, day) order.
    INSERT INTO pingsvc.link_rtt_daily AS d (near, far, day, times_seen, rtt_diff_min_ms,
                                             rtt_diff_max_ms, rtt_diff_sum_ms, rtt_diff_count)
    SELECT l.near, l.far, (l.ts AT TIME ZONE 'UTC')::date, count(*), min(l.diff), max(l.diff),
           sum(l.diff), count(l.diff)
      FROM unnest(v_l_near, v_l_far, v_l_ts, v_l_diff) AS l(near, far, ts, diff)
     GROUP BY l.near, l.far, (l.ts AT TIME ZONE 'UTC')::date
     ORDER BY 1, 2, 3
    ON CONFLICT (near, far, day) DO UPDATE
    SET times_seen = d.times_seen + excluded.times_seen,
        rtt_diff_min_ms = least(d.rtt_diff_min_ms, excluded.rtt_diff_min_ms),
        rtt_diff_max_ms = greatest(d.rtt_diff_max_ms, excluded.rtt_diff_max_ms),
        rtt_diff_sum_ms = CASE WHEN d.rtt_diff_sum_ms IS NULL THEN excluded.rtt_diff_sum_ms
                               WHEN excluded.rtt_diff_sum_ms IS NULL THEN d.rtt_diff_sum_ms
                               ELSE d.rtt_diff_sum_ms + excluded.rtt_diff_sum_ms END,
        rtt_diff_count = d.rtt_diff_count + excluded.rtt_diff_count;

    -- 3. hop feedback, locked in address order ----------------------------------
    IF v_h_addr IS NOT NULL THEN
        WITH up AS (
            INSERT INTO pingsvc.targets AS t (address, source, first_seen, last_seen, discovered_by_trace)
            SELECT h.address, 'hop', h.first_ts, h.last_ts, h.trace_id
              FROM (SELECT h.*
                      FROM unnest(v_h_addr, v_h_first, v_h_last, v_h_trace)
                           AS h(address, first_ts, last_ts, trace_id)
                     WHERE NOT EXISTS (SELECT 1 FROM pingsvc.targets k
                                        WHERE k.address = h.address
                                          AND k.last_seen >= h.last_ts - interval '1 hour')
                    OFFSET 0) AS h
             -- OFFSET 0 above: the safety lists are consulted only for the
             -- addresses left (the planner would run the function first).
             WHERE pingsvc.is_probe_allowed(h.address)
             ORDER BY h.address
            ON CONFLICT (address) DO UPDATE
            SET last_seen = excluded.last_seen
            WHERE t.last_seen < excluded.last_seen - interval '1 hour'
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE up.inserted) INTO v_targets FROM up;
    END IF;

    -- 4. route changes: lock the batch's flows in hash order, then fold ----------
    IF v_t_step IS NULL THEN
        -- Only GSS-stopped traces: nothing for route history.
        RETURN QUERY SELECT v_traces, v_hops, v_links, v_targets, 0;
        RETURN;
    END IF;

    PERFORM pg_advisory_xact_lock(k.lock_key)
       FROM (SELECT DISTINCT hashtextextended(concat_ws('|', t.vantage, host(t.target), t.proto,
                                                        t.paris_id), 0) AS lock_key
               FROM unnest(v_t_vantage, v_t_target, v_t_proto, v_t_paris)
                    AS t(vantage, target, proto, paris_id)
              ORDER BY 1) AS k;

    WITH steps AS (
        SELECT t.vantage, t.target, t.proto, t.paris_id,
               array_agg(ROW(t.trace_id, t.ts, t.path, t.reached_ttl)::pingsvc.route_step
                         ORDER BY t.ts, t.trace_id) AS steps
          FROM unnest(v_t_vantage, v_t_target, v_t_proto, v_t_paris, v_t_step)
               AS t(vantage, target, proto, paris_id, trace_id, ts, path, reached_ttl)
         GROUP BY t.vantage, t.target, t.proto, t.paris_id
    ), folded AS MATERIALIZED (
        SELECT coalesce(f.flow_id, nextval('pingsvc.flows_flow_id_seq'::regclass)) AS flow_id,
               s.vantage, s.target, s.proto, s.paris_id, r.o_flow AS f, r.o_events AS events
          FROM steps s
          LEFT JOIN pingsvc.flows f
                 ON f.vantage = s.vantage AND f.target = s.target AND f.proto = s.proto
                AND f.paris_id IS NOT DISTINCT FROM s.paris_id
          CROSS JOIN LATERAL pingsvc.fold_flow_v2(f, s.steps, v_k) AS r
    ), ev AS MATERIALIZED (
        -- Change ids drawn in (flow, time) order.
        SELECT nextval('pingsvc.route_changes_change_id_seq'::regclass) AS change_id, o.*
          FROM (SELECT d.flow_id, d.vantage, d.target, d.proto, d.paris_id, e.*
                  FROM folded d
                  CROSS JOIN LATERAL unnest(d.events) WITH ORDINALITY
                       AS e(flow_id_, change_id_, detected_at, last_old_at, old_path, old_reached_ttl,
                            old_since, old_traces, new_path, new_reached_ttl, new_traces, ord)
                 ORDER BY d.flow_id, e.ord) AS o
    ), up AS (
        INSERT INTO pingsvc.flows AS x (flow_id, vantage, target, proto, paris_id, first_seen, last_ts,
                                        traces, late_traces, cur_path, cur_reached_ttl, cur_since,
                                        cur_last_at, cur_traces, traces_since_change, cand_path,
                                        cand_reached_ttl, cand_since, cand_last_at, cand_traces,
                                        changes, transients, last_transient_at, updated_at)
        SELECT d.flow_id, d.vantage, d.target, d.proto, d.paris_id, (d.f).first_seen, (d.f).last_ts,
               (d.f).traces, (d.f).late_traces, (d.f).cur_path, (d.f).cur_reached_ttl, (d.f).cur_since,
               (d.f).cur_last_at, (d.f).cur_traces, (d.f).traces_since_change, (d.f).cand_path,
               (d.f).cand_reached_ttl, (d.f).cand_since, (d.f).cand_last_at, (d.f).cand_traces,
               (d.f).changes, (d.f).transients, (d.f).last_transient_at, now()
          FROM folded d
         ORDER BY d.flow_id
        ON CONFLICT (flow_id) DO UPDATE
        SET last_ts = excluded.last_ts, traces = excluded.traces, late_traces = excluded.late_traces,
            cur_path = excluded.cur_path, cur_reached_ttl = excluded.cur_reached_ttl,
            cur_since = excluded.cur_since, cur_last_at = excluded.cur_last_at,
            cur_traces = excluded.cur_traces, traces_since_change = excluded.traces_since_change,
            cand_path = excluded.cand_path, cand_reached_ttl = excluded.cand_reached_ttl,
            cand_since = excluded.cand_since, cand_last_at = excluded.cand_last_at,
            cand_traces = excluded.cand_traces, changes = excluded.changes,
            transients = excluded.transients, last_transient_at = excluded.last_transient_at,
            updated_at = excluded.updated_at
        RETURNING 1
    ), ins AS (
        INSERT INTO pingsvc.route_changes (change_id, vantage, target, proto, paris_id, detected_at,
                                           last_old_at, old_path, new_path, old_reached, new_reached,
                                           diverge_ttl, rejoin_ttl, kind, changed_hops, as_changed,
                                           old_as_path, new_as_path)
        OVERRIDING SYSTEM VALUE
        SELECT ev.change_id, ev.vantage, ev.target, ev.proto, ev.paris_id, ev.detected_at,
               ev.last_old_at, ev.old_path, ev.new_path,
               ev.old_reached_ttl IS NOT NULL, ev.new_reached_ttl IS NOT NULL,
               pd.diverge_ttl, pd.rejoin_ttl, pd.kind, pd.changed_hops,
               CASE WHEN v_have_as THEN asp.old_as IS DISTINCT FROM asp.new_as END,
               asp.old_as, asp.new_as
          FROM ev
          CROSS JOIN LATERAL pingsvc.path_diff(ev.old_path, ev.old_reached_ttl,
                                               ev.new_path, ev.new_reached_ttl) AS pd
          CROSS JOIN LATERAL (SELECT CASE WHEN v_have_as THEN pingsvc.as_path(ev.old_path) END AS old_as,
                                     CASE WHEN v_have_as THEN pingsvc.as_path(ev.new_path) END AS new_as
                                OFFSET 0) AS asp
         ORDER BY ev.change_id
        RETURNING 1
    )
    SELECT (SELECT array_agg(d.flow_id) FROM folded d),
           (SELECT array_agg(ROW(ev.flow_id, ev.change_id, ev.detected_at, ev.last_old_at,
                                 ev.old_path, ev.old_reached_ttl, ev.old_since, ev.old_traces,
                                 ev.new_path, ev.new_reached_ttl, ev.new_traces)::pingsvc.route_event
                             ORDER BY ev.flow_id, ev.ord)
              FROM ev),
           (SELECT count(*) FROM up)
      INTO v_flow_ids, v_events, v_flows_written;

    v_changes := coalesce(cardinality(v_events), 0);

    -- 5. path history: bring each flow's open path up to date (or close it
    -- at the batch's first change), start the history of new flows, then
    -- open one row per change.
    WITH ev AS (
        SELECT e.*, row_number() OVER (PARTITION BY e.flow_id ORDER BY e.detected_at) AS ord
          FROM unnest(v_events) AS e
    ), src AS (
        SELECT f.flow_id,
               coalesce(e1.old_path, f.cur_path) AS path,
               CASE WHEN e1.flow_id IS NULL THEN f.cur_reached_ttl ELSE e1.old_reached_ttl END AS reached_ttl,
               coalesce(e1.old_since, f.cur_since) AS valid_from,
               e1.detected_at AS valid_to,
               coalesce(e1.last_old_at, f.cur_last_at) AS last_seen,
               coalesce(e1.old_traces, f.cur_traces) AS traces
          FROM pingsvc.flows f
          LEFT JOIN ev e1 ON e1.flow_id = f.flow_id AND e1.ord = 1
         WHERE f.flow_id = ANY (v_flow_ids)
    ), upd AS (
        UPDATE pingsvc.flow_paths p
           SET path = src.path, reached_ttl = src.reached_ttl, valid_to = src.valid_to,
               last_seen = src.last_seen, traces = src.traces,
               as_path = CASE WHEN p.path IS NOT DISTINCT FROM src.path AND p.as_path IS NOT NULL
                              THEN p.as_path
                              WHEN v_have_as THEN pingsvc.as_path(src.path) END
          FROM src
         WHERE p.flow_id = src.flow_id AND p.valid_to IS NULL
        RETURNING p.flow_id
    )
    INSERT INTO pingsvc.flow_paths (flow_id, seq, path, reached_ttl, valid_from, valid_to,
                                    last_seen, traces, as_path)
    SELECT src.flow_id, 1, src.path, src.reached_ttl, src.valid_from, src.valid_to,
           src.last_seen, src.traces, CASE WHEN v_have_as THEN pingsvc.as_path(src.path) END
      FROM src
     WHERE NOT EXISTS (SELECT 1 FROM pingsvc.flow_paths p WHERE p.flow_id = src.flow_id)
     ORDER BY src.flow_id;

    IF v_changes > 0 THEN
        WITH ev AS (
            SELECT e.*,
                   row_number() OVER w AS ord,
                   lead(e.old_path) OVER w AS next_path,
                   lead(e.old_reached_ttl) OVER w AS next_reached_ttl,
                   lead(e.detected_at) OVER w AS next_detected_at,
                   lead(e.last_old_at) OVER w AS next_last_old_at,
                   lead(e.old_traces) OVER w AS next_traces
              FROM unnest(v_events) AS e
            WINDOW w AS (PARTITION BY e.flow_id ORDER BY e.detected_at)
        )
        INSERT INTO pingsvc.flow_paths (flow_id, seq, path, reached_ttl, valid_from, valid_to,
                                        last_seen, traces, change_id, as_path)
        SELECT ev.flow_id,
               (SELECT max(p.seq) FROM pingsvc.flow_paths p WHERE p.flow_id = ev.flow_id) + ev.ord,
               CASE WHEN ev.next_detected_at IS NULL THEN f.cur_path ELSE ev.next_path END,
               CASE WHEN ev.next_detected_at IS NULL THEN f.cur_reached_ttl ELSE ev.next_reached_ttl END,
               ev.detected_at,
               ev.next_detected_at,
               CASE WHEN ev.next_detected_at IS NULL THEN f.cur_last_at ELSE ev.next_last_old_at END,
               CASE WHEN ev.next_detected_at IS NULL THEN f.cur_traces ELSE ev.next_traces END,
               ev.change_id,
               CASE WHEN v_have_as
                    THEN pingsvc.as_path(CASE WHEN ev.next_detected_at IS NULL THEN f.cur_path
                                              ELSE ev.next_path END) END
          FROM ev
          JOIN pingsvc.flows f ON f.flow_id = ev.flow_id
         ORDER BY ev.flow_id, ev.ord;

        PERFORM pg_notify('pingsvc_route_change', e.change_id::text)
           FROM unnest(v_events) AS e
          ORDER BY e.change_id;
    END IF;

    RETURN QUERY SELECT v_traces, v_hops, v_links, v_targets, v_changes;
END;
$$;

COMMENT ON FUNCTION pingsvc.process_results(bigint[]) IS
    'Derive traces, hops, links, new hop targets and route changes from the given stored results (traceroutes without a trace yet; others skipped, so it is idempotent), in the caller''s transaction; NOTIFY pingsvc_route_change per new change.  Returns the counts.  Version 3 (0014): one pass over the batch''s bodies, each read once; traceroutes with "stop_reason": "GSS" (stopped at the global stop set) are stored but kept out of route history and change detection.';

REVOKE ALL ON FUNCTION pingsvc.process_results(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.process_results(bigint[]) TO pingsvc_ingest;
