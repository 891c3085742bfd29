-- pingsvc.extract_results_ids, version 2 (migration 0021): the same
-- extraction as version 1 (extract_results.sql: same traces, hops and
-- derive_queue rows, same results skipped, same counts and trace ids), in
-- about half the time (tests/bench/sql, calls of 1000 results: 0.36 s a
-- call instead of 0.7-0.9 s).  Version 1 built a chain of materialized
-- CTEs over the probes (each a tuplestore of every probe of the batch),
-- sorted them to join them with their responders' addresses and their
-- traces, read every probe object with jsonb_to_record(), computed each
-- hop number and each typed field several times (a CASE in a flattened
-- subquery is copied into every test that names it), and once a call's
-- plan was cached it could turn generic.  Version 2:
--   - numbers the traces before walking the probes (a trace for every
--     result with a valid hop entry, in the batch's order, as version 1),
--     so that the probe walk carries trace ids and the hop rows are
--     inserted from the one tuplestore of hop rows (rep) the path is also
--     built from;
--   - walks each entry's probes once: fields looked up with -> and typed
--     in the per-entry subquery, once each (a cast from jsonb prints and
--     parses the number);
--   - reads each responder's text as an address once per batch (the
--     dotted-quad regular expression costs about a microsecond a probe);
--   - checks hop numbers that are JSON numbers without a regular
--     expression;
--   - numbers the probes of results that repeat a hop number (rare) with
--     an offset per entry (the probes of the earlier entries with that
--     number) instead of a window over all the probes of those results;
--   - plans every call (custom plans) with hash joins only.
-- Where a call of 1000 results (43 000 hop rows) spends its time: the hop
-- rows' insert about as long as the benchmark's baseline (0.11 s), the
-- traces' insert (six indexes, path_hash, is_host_path) 0.035 s, the
-- probe walk and typing 0.12 s, the bodies read and the entries walked
-- 0.05 s, addresses and hop rows 0.025 s, paths 0.01 s.
-- extract_results() calls it and is unchanged.
--
-- Concurrency: as version 1 (inserts only).

CREATE OR REPLACE FUNCTION pingsvc.extract_results_ids(p_result_ids bigint[],
                                            OUT traces integer, OUT hops integer,
                                            OUT trace_ids bigint[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
SET work_mem = '64MB'
SET enable_nestloop = on
SET enable_mergejoin = on
SET jit = off
-- A generic plan of the big statement (chosen after five calls) nests
-- loops over the probes: seven times slower.
SET plan_cache_mode = force_custom_plan
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

    -- 1b. traces and hops, and the new traces queued for derivation, in
    -- one statement whose only large intermediate result is the hop rows
    -- themselves (rep): the JSON is walked once, each probe's fields,
    -- address and numbers taken in that walk, and the hops inserted from
    -- there.  The row estimates of these CTEs mean little, so nested loops
    -- (quadratic when misjudged) are off for this statement: it reads no
    -- table.  So are merge joins: misjudged as tiny, the probes were sorted
    -- to be joined with their addresses and the TTLs with their
    -- responders.  (jit is off for the function: compiling this statement
    -- costs seconds.)
    PERFORM set_config('enable_nestloop', 'off', true), set_config('enable_mergejoin', 'off', true);
    WITH res AS MATERIALIZED (
        SELECT u.*, family(u.target) AS fam
          FROM unnest(v_r_id, v_r_ts, v_r_target, v_r_source, v_r_worker, v_r_body,
                      v_r_vantage, v_r_proto, v_r_paris, v_r_gss) WITH ORDINALITY
               AS u(result_id, ts, target, source, worker_id, body, vantage, proto, paris_id, gss, ord)
    ), ent AS MATERIALIZED (
        -- One row per valid hop entry.  The hop number is a number or a
        -- string of one to three digits: the text of a JSON number holds
        -- only digits, "-" and ".", so numbers need no regular expression.
        -- (OFFSET 0: each entry's number is computed once, not again for
        -- each test of the WHERE clause.)
        SELECT e.result_id, e.hord, e.ttl, e.probes
          FROM (SELECT res.result_id, h.ord AS hord,
                       CASE WHEN jsonb_typeof(h.h) <> 'object' THEN NULL
                            WHEN jsonb_typeof(h.h -> 'hop') = 'number'
                            THEN CASE WHEN length(h.h ->> 'hop') <= 3 AND strpos(h.h ->> 'hop', '.') = 0
                                           AND strpos(h.h ->> 'hop', '-') = 0
                                      THEN (h.h ->> 'hop')::integer END
                            WHEN (h.h ->> 'hop') ~ '^[0-9]{1,3}$' THEN (h.h ->> 'hop')::integer
                       END AS ttl,
                       CASE WHEN jsonb_typeof(h.h -> 'result') = 'array' THEN h.h -> 'result' END AS probes
                  FROM res
                  CROSS JOIN LATERAL jsonb_array_elements(res.body) WITH ORDINALITY AS h(h, ord)
                OFFSET 0) AS e
         WHERE e.ttl BETWEEN 1 AND 255
    ), tr AS MATERIALIZED (
        -- A trace for every result with a valid hop entry (the others have
        -- no path), numbered in the batch's order.
        SELECT nextval('pingsvc.traces_trace_id_seq'::regclass) AS trace_id, s.*
          FROM (SELECT res.result_id, res.vantage, res.worker_id, res.target, res.ts, res.proto,
                       res.paris_id, res.source, res.gss, res.fam
                  FROM res
                 WHERE EXISTS (SELECT 1 FROM ent WHERE ent.result_id = res.result_id)
                 ORDER BY res.ord) AS s
    ), off AS (
        -- Results repeating a hop number (rare): an entry's probes are
        -- numbered after those of the earlier entries with that number
        -- ("dup" and non-objects left out before counting).
        SELECT m.result_id, m.hord,
               coalesce(sum(m.cnt) OVER (PARTITION BY m.result_id, m.ttl ORDER BY m.hord
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS off
          FROM (SELECT ent.result_id, ent.hord, ent.ttl,
                       (SELECT count(*)::integer
                          FROM jsonb_array_elements(ent.probes) AS x(x)
                         WHERE jsonb_typeof(x.x) = 'object'
                           AND (x.x -> 'dup') IS DISTINCT FROM 'true'::jsonb) AS cnt
                  FROM ent
                 WHERE ent.result_id IN (SELECT ent.result_id FROM ent
                                          GROUP BY ent.result_id, ent.ttl HAVING count(*) > 1)) AS m
    ), pr AS MATERIALIZED (
        -- The probes that name a responder (a string), k = index inside
        -- the entry ("dup" left out before counting), probes after the 64th
        -- left out.  The entries are joined with their traces first
        -- (OFFSET 0), not the probes afterwards.  The fields are looked up
        -- and typed in q, once each (q's window keeps its outputs from
        -- being recomputed by every test of the range checks: each cast
        -- from jsonb prints and parses a number); -> yields JSON null for
        -- "err": null, so "err" is present (ICMP type 3) when q.err IS NOT
        -- NULL.  Offsets and k are bigint (not numeric).
        SELECT e.trace_id, e.ts, e.fam, e.ttl, e.off + q.k - 1 AS probe, q.from_txt,
               CASE WHEN q.rtt_n >= 0 AND q.rtt_n < 60000 THEN q.rtt_n END AS rtt_ms,
               CASE WHEN q.rttl_n BETWEEN 0 AND 255 THEN q.rttl_n::smallint END AS reply_ttl,
               CASE WHEN q.size_n BETWEEN 0 AND 65535 THEN q.size_n::integer END AS size,
               CASE WHEN q.icmpext IS NOT NULL
                    THEN nullif(jsonb_path_query_array(q.icmpext, '$.obj[*].mpls[*]'), '[]'::jsonb)
               END AS mpls,
               CASE WHEN q.err IS NOT NULL THEN 3 END::smallint AS icmp_type,
               CASE WHEN q.err IS NULL THEN NULL
                    WHEN jsonb_typeof(q.err) = 'number'
                    THEN CASE WHEN q.err::numeric BETWEEN 0 AND 255 THEN q.err::numeric::smallint END
                    ELSE CASE q.err #>> '{}'
                             WHEN 'N' THEN 0 WHEN 'H' THEN 1 WHEN 'P' THEN 2
                             WHEN 'p' THEN 3 WHEN 'A' THEN 13 END END::smallint AS icmp_code
          FROM (SELECT tr.trace_id, tr.ts, tr.fam, ent.ttl, ent.probes, coalesce(o.off, 0) AS off
                  FROM ent
                  JOIN tr ON tr.result_id = ent.result_id
                  LEFT JOIN off o ON o.result_id = ent.result_id AND o.hord = ent.hord
                 WHERE ent.probes IS NOT NULL
                OFFSET 0) AS e
          CROSS JOIN LATERAL (
              SELECT row_number() OVER () AS k,
                     CASE WHEN jsonb_typeof(x.x -> 'from') = 'string' THEN x.x ->> 'from' END AS from_txt,
                     CASE WHEN jsonb_typeof(x.x -> 'rtt') = 'number'
                          THEN (x.x -> 'rtt')::double precision END AS rtt_n,
                     CASE WHEN jsonb_typeof(x.x -> 'ttl') = 'number' THEN (x.x -> 'ttl')::numeric END AS rttl_n,
                     CASE WHEN jsonb_typeof(x.x -> 'size') = 'number' THEN (x.x -> 'size')::numeric END AS size_n,
                     x.x -> 'icmpext' AS icmpext, x.x -> 'err' AS err
                FROM jsonb_array_elements(e.probes) AS x(x)
               WHERE jsonb_typeof(x.x) = 'object'
                 AND (x.x -> 'dup') IS DISTINCT FROM 'true'::jsonb) AS q
         WHERE e.off + q.k - 1 <= 63 AND q.from_txt IS NOT NULL
    ), addr AS MATERIALIZED (
        -- Each responder's text read as an address once (a probe matches
        -- the regular expression in about a microsecond; a batch names
        -- some seven times fewer responders than it has probes);
        -- host_inet() (PL/pgSQL) only for what is not a plain dotted quad.
        SELECT d.from_txt,
               CASE WHEN d.from_txt ~ '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$'
                    THEN d.from_txt::inet ELSE pingsvc.host_inet(d.from_txt) END AS address
          FROM (SELECT DISTINCT pr.from_txt FROM pr) AS d
    ), rep AS MATERIALIZED (
        -- The answered probes, as pingsvc.hops stores them (responders of
        -- the wrong family left out).
        SELECT pr.trace_id, pr.ts, pr.ttl::smallint AS ttl, pr.probe::smallint AS probe, a.address,
               pr.rtt_ms, pr.reply_ttl, pr.size, pr.mpls, pr.icmp_type, pr.icmp_code
          FROM pr
          JOIN addr a ON a.from_txt = pr.from_txt
         WHERE a.address IS NOT NULL AND family(a.address) = pr.fam
    ), c AS (
        -- Per TTL and responder: answers and the first probe answered.
        SELECT rep.trace_id, rep.ttl, rep.address, count(*) AS n, min(rep.probe) AS first_probe
          FROM rep
         GROUP BY rep.trace_id, rep.ttl, rep.address
    ), len AS (
        -- Path length: the highest hop number, but Atlas's closing
        -- all-timeout hop 255 after a gap is dropped.
        SELECT l.trace_id,
               CASE WHEN l.has255 AND (l.m IS NULL OR l.m >= 254 OR s.answered255)
                    THEN 255 ELSE l.m END AS n,
               s.reached_ttl
          FROM (SELECT tr.trace_id, max(ent.ttl) FILTER (WHERE ent.ttl < 255) AS m,
                       bool_or(ent.ttl = 255) AS has255
                  FROM ent
                  JOIN tr ON tr.result_id = ent.result_id
                 GROUP BY tr.trace_id) AS l
          LEFT JOIN (SELECT c.trace_id, bool_or(c.ttl = 255) AS answered255,
                            min(c.ttl) FILTER (WHERE c.address = tr.target) AS reached_ttl
                       FROM c
                       JOIN tr ON tr.trace_id = c.trace_id
                      GROUP BY c.trace_id) AS s ON s.trace_id = l.trace_id
    ), resp AS (
        -- Per TTL the most frequent responder, ties to the first to answer.
        SELECT DISTINCT ON (c.trace_id, c.ttl) c.trace_id, c.ttl, c.address
          FROM c
         ORDER BY c.trace_id, c.ttl, c.n DESC, c.first_probe
    ), pth AS (
        SELECT len.trace_id, min(len.reached_ttl) AS reached_ttl,
               array_agg(resp.address ORDER BY g.i) AS path
          FROM len
          CROSS JOIN LATERAL generate_series(1, len.n) AS g(i)
          LEFT JOIN resp ON resp.trace_id = len.trace_id AND resp.ttl = g.i
         GROUP BY len.trace_id
    ), ins_traces AS (
        -- Executed to completion though nothing reads it (a data-modifying
        -- CTE); every trace of tr has its path.
        INSERT INTO pingsvc.traces (trace_id, result_id, vantage, worker_id, target, ts, proto,
                                    paris_id, path, reached, reached_ttl, source)
        SELECT tr.trace_id, tr.result_id, tr.vantage, tr.worker_id, tr.target, tr.ts, tr.proto,
               tr.paris_id, pth.path, pth.reached_ttl IS NOT NULL, pth.reached_ttl, tr.source
          FROM tr
          JOIN pth ON pth.trace_id = tr.trace_id
    ), ins_hops AS (
        INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms, reply_ttl, size,
                                  mpls, icmp_type, icmp_code)
        SELECT rep.trace_id, rep.ts, rep.ttl, rep.probe, rep.address, rep.rtt_ms, rep.reply_ttl,
               rep.size, rep.mpls, rep.icmp_type, rep.icmp_code
          FROM rep
    ), ins_queue AS (
        INSERT INTO pingsvc.derive_queue (trace_id, ts, detect)
        SELECT tr.trace_id, tr.ts, NOT tr.gss
          FROM tr
    )
    SELECT (SELECT count(*) FROM tr), (SELECT count(*) FROM rep),
           coalesce((SELECT array_agg(tr.trace_id ORDER BY tr.trace_id) FROM tr), '{}')
      INTO traces, hops, trace_ids;

    PERFORM set_config('enable_nestloop', 'on', true), set_config('enable_mergejoin', 'on', true);
END;
$$;


COMMENT ON FUNCTION pingsvc.extract_results_ids(bigint[]) IS
    'extract_results() that also returns the ids of the traces it stored (and queued in derive_queue); process_results() version 4 derives them at once.  Version 2 (0021): the same rows, one walk of the JSON.';

REVOKE ALL ON FUNCTION pingsvc.extract_results_ids(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.extract_results_ids(bigint[]) TO pingsvc_ingest;
