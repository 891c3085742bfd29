-- pingsvc.derive_traces, version 2 (migration 0022): the same derivation
-- as version 1 (derive_traces.sql: same rows in links, link_rtt_daily,
-- targets, flows, flow_paths and route_changes, same locking order, same
-- results), with less work per batch.  Measured on one batch of 10,000
-- traces (431,000 hop rows, 64,400 links already known), version 1 spent
-- 0.75 s reading the batch and 1.0 s upserting links and link_rtt_daily:
--   - the hop rows are read once and aggregated per (trace, TTL,
--     address), about a third of them (three probes per TTL mostly answer
--     from one address); links (path addresses, next one along the path)
--     and hop addresses' first and last sightings are both taken from
--     that (version 1 materialised every hop row and hashed them twice);
--   - links are summed per (near, far, UTC day) in the same statement;
--     the links upsert sums the days, so the sightings are grouped once
--     and no ordered aggregate sorts each link's sightings (the latest
--     sighting is the greatest [ts in us, trace_id]);
--   - links updates are HOT: migration 0022 drops links_last_seen_idx (no
--     query of the project reads links by last_seen through it; every
--     batch moved one entry of it per link seen) and gives links room on
--     its pages (fillfactor 70), as 0018 did for link_rtt_daily.
--   - the queue rows are taken by a hash join of the batch with the
--     queue (see step 1): version 1's plan could turn quadratic when the
--     queue's statistics were those of an empty table;
--   - detection (steps 4 and 5 of version 1, unchanged) is a function of
--     its own, pingsvc.detect_routes(), called last.
-- Backend CPU time for that batch: 2.54-2.73 s with version 1, 2.15-2.33
-- s with version 2 (three runs each, same snapshot of the benchmark's
-- history).  The header of version 1 (concurrency, who fills what)
-- holds unchanged.

CREATE OR REPLACE FUNCTION pingsvc.derive_traces(p_trace_ids bigint[])
RETURNS TABLE (traces integer, links integer, new_targets integer, route_changes integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
SET work_mem = '64MB'
SET enable_nestloop = on
SET enable_mergejoin = on
SET jit = off
AS $$
DECLARE
    v_traces    integer := 0;
    v_links     integer := 0;
    v_targets   integer := 0;
    v_changes   integer := 0;
    v_t_vantage text[];
    v_t_target  inet[];
    v_t_proto   text[];
    v_t_paris   integer[];
    v_t_step    pingsvc.route_step[];
    v_d_near    inet[];
    v_d_far     inet[];
    v_d_day     date[];
    v_d_n       bigint[];
    v_d_min     double precision[];
    v_d_max     double precision[];
    v_d_sum     double precision[];
    v_d_count   bigint[];
    v_d_first   timestamptz[];
    v_d_last    timestamptz[];
    v_d_trace   bigint[];
    v_h_addr    inet[];
    v_h_first   timestamptz[];
    v_h_last    timestamptz[];
    v_h_trace   bigint[];
    v_q_ctid    tid[];
    v_q_id      bigint[];
    v_q_ts      timestamptz[];
    v_q_detect  boolean[];
    v_lo        bigint;
    v_hi        bigint;
    v_ts_lo     timestamptz;
    v_ts_hi     timestamptz;
    v_dense     boolean;
    v_src       text;
BEGIN
    IF p_trace_ids IS NULL OR cardinality(p_trace_ids) = 0 THEN
        RETURN QUERY SELECT 0, 0, 0, 0;
        RETURN;
    END IF;

    -- 1. take the queued traces (SKIP LOCKED: a concurrent call has them):
    -- lock them, then delete the locked rows by ctid.  The batch is
    -- hash-joined with the queue, never looked up by a nested loop: the
    -- queue's statistics are often those of an empty table (it empties as
    -- fast as it fills), and version 1's plan then re-ran its locking
    -- subquery for every queued row (19 s instead of 20 ms for 10,000
    -- traces), as would a per-id lookup through derive_queue_queued_idx.
    -- A hash join reads the queue once: linear in batch + queue.
    PERFORM set_config('enable_nestloop', 'off', true), set_config('enable_mergejoin', 'off', true);
    SELECT array_agg(k.ctid), array_agg(k.trace_id), array_agg(k.ts), array_agg(k.detect),
           min(k.trace_id), max(k.trace_id), min(k.ts), max(k.ts)
      INTO v_q_ctid, v_q_id, v_q_ts, v_q_detect, v_lo, v_hi, v_ts_lo, v_ts_hi
      FROM (SELECT c.ctid, c.trace_id, c.ts, c.detect
              FROM pingsvc.derive_queue c
             WHERE c.trace_id IN (SELECT u.id FROM unnest(p_trace_ids) AS u(id))
               FOR UPDATE OF c SKIP LOCKED) AS k;
    PERFORM set_config('enable_nestloop', 'on', true), set_config('enable_mergejoin', 'on', true);
    IF v_q_id IS NULL THEN
        RETURN QUERY SELECT 0, 0, 0, 0;
        RETURN;
    END IF;
    DELETE FROM pingsvc.derive_queue d WHERE d.ctid = ANY (v_q_ctid);

    -- Their traces and hops rows.  Trace ids come from one sequence, so a
    -- batch's ids are usually dense: then both tables are read by one
    -- range of their primary keys (trace_id, and ts bounds that prune the
    -- partitions) and hash-joined to the batch; for scattered ids, each
    -- trace is looked up by (trace_id, ts) in its partition (OFFSET 0 keeps
    -- the lookups per trace).  The statement is built for the case and
    -- planned with the bounds as values (EXECUTE), so partitions outside
    -- them are pruned when it is planned.
    v_dense := v_hi - v_lo < 4 * cardinality(v_q_id);
    IF v_dense THEN
        v_src := $src$
    tr AS MATERIALIZED (
        SELECT x.trace_id, x.ts, x.vantage, x.target, x.proto, x.paris_id, x.path, x.reached_ttl,
               q.detect, (extract(epoch FROM x.ts) * 1000000)::bigint AS ts_us
          FROM unnest($1, $2, $3) AS q(trace_id, ts, detect)
          JOIN pingsvc.traces x ON x.trace_id = q.trace_id AND x.ts = q.ts
         WHERE x.trace_id BETWEEN $4 AND $5 AND x.ts BETWEEN $6 AND $7
    ), hp AS (
        SELECT tr.trace_id, y.ttl, y.address, y.rtt_ms
          FROM tr
          JOIN pingsvc.hops y ON y.trace_id = tr.trace_id AND y.ts = tr.ts
         WHERE y.trace_id BETWEEN $4 AND $5 AND y.ts BETWEEN $6 AND $7
    )$src$;
        PERFORM set_config('enable_nestloop', 'off', true);
    ELSE
        v_src := $src$
    tr AS MATERIALIZED (
        SELECT t.*, q.detect, (extract(epoch FROM t.ts) * 1000000)::bigint AS ts_us
          FROM unnest($1, $2, $3) AS q(trace_id, ts, detect)
          CROSS JOIN LATERAL (SELECT x.trace_id, x.ts, x.vantage, x.target, x.proto, x.paris_id,
                                     x.path, x.reached_ttl
                                FROM pingsvc.traces x
                               WHERE x.trace_id = q.trace_id AND x.ts = q.ts
                              OFFSET 0) AS t
    ), hp AS (
        SELECT tr.trace_id, h.ttl, h.address, h.rtt_ms
          FROM tr
          CROSS JOIN LATERAL (SELECT y.ttl, y.address, y.rtt_ms
                                FROM pingsvc.hops y
                               WHERE y.trace_id = tr.trace_id AND y.ts = tr.ts
                              OFFSET 0) AS h
    )$src$;
    END IF;

    EXECUTE 'WITH' || v_src || $sql$, hl AS MATERIALIZED (
        -- One pass over the hop rows: per trace, TTL and address, the min
        -- rtt of its replies there (NULL when none has an rtt).  Three
        -- probes per TTL mostly answer from one address, so this is about
        -- a third of the hop rows, and both links and hop addresses are
        -- taken from it.
        SELECT hp.trace_id, hp.ttl, hp.address, min(hp.rtt_ms) AS rtt
          FROM hp
         GROUP BY hp.trace_id, hp.ttl, hp.address
    ), nx AS (
        -- The path's addresses (the path holds at TTL i an address that
        -- answered at i) and the next one along the path.
        SELECT hl.trace_id, tr.ts, tr.ts_us, hl.ttl, hl.address AS near,
               lead(hl.address) OVER w AS far, lead(hl.ttl) OVER w AS far_ttl,
               lead(hl.rtt) OVER w - hl.rtt AS diff
          FROM hl
          JOIN tr ON tr.trace_id = hl.trace_id
         WHERE hl.address = tr.path[hl.ttl]
        WINDOW w AS (PARTITION BY hl.trace_id ORDER BY hl.ttl)
    ), lk AS (
        -- (path[i], path[i+1]) both answered, different: once per trace
        -- (its first position), RTT jump = min rtt at i+1 minus at i.
        SELECT DISTINCT ON (nx.trace_id, nx.near, nx.far)
               nx.trace_id, nx.ts, nx.ts_us, nx.near, nx.far, nx.diff
          FROM nx
         WHERE nx.far_ttl = nx.ttl + 1 AND nx.near <> nx.far
         ORDER BY nx.trace_id, nx.near, nx.far, nx.ttl
    ), dl AS (
        -- The sightings per link and UTC day, with the first and the
        -- latest (greatest [ts in us, trace_id]).
        SELECT lk.near, lk.far, (lk.ts AT TIME ZONE 'UTC')::date AS day, count(*) AS n,
               min(lk.diff) AS dmin, max(lk.diff) AS dmax, sum(lk.diff) AS dsum,
               count(lk.diff) AS dcount, min(lk.ts) AS first_ts, max(lk.ts) AS last_ts,
               (max(ARRAY[lk.ts_us, lk.trace_id]))[2] AS last_trace
          FROM lk
         GROUP BY lk.near, lk.far, (lk.ts AT TIME ZONE 'UTC')::date
    ), ha AS (
        -- Hop addresses: first sighting (the least [ts in us, trace_id]:
        -- bigint[] compares element by element), last ts.
        SELECT hl.address, min(tr.ts) AS first_ts, max(tr.ts) AS last_ts,
               (min(ARRAY[tr.ts_us, tr.trace_id]))[2] AS trace_id
          FROM hl
          JOIN tr ON tr.trace_id = hl.trace_id
         GROUP BY hl.address
    )
    SELECT (SELECT count(*) FROM tr),
           (SELECT array_agg(tr.vantage) FROM tr WHERE tr.detect),
           (SELECT array_agg(tr.target) FROM tr WHERE tr.detect),
           (SELECT array_agg(tr.proto) FROM tr WHERE tr.detect),
           (SELECT array_agg(tr.paris_id) FROM tr WHERE tr.detect),
           (SELECT array_agg(ROW(tr.trace_id, tr.ts, tr.path, tr.reached_ttl)::pingsvc.route_step)
              FROM tr WHERE tr.detect),
           d.near, d.far, d.day, d.n, d.dmin, d.dmax, d.dsum, d.dcount, d.first_ts, d.last_ts,
           d.last_trace,
           h.address, h.first_ts, h.last_ts, h.trace_id
      FROM (SELECT array_agg(dl.near) AS near, array_agg(dl.far) AS far, array_agg(dl.day) AS day,
                   array_agg(dl.n) AS n, array_agg(dl.dmin) AS dmin, array_agg(dl.dmax) AS dmax,
                   array_agg(dl.dsum) AS dsum, array_agg(dl.dcount) AS dcount,
                   array_agg(dl.first_ts) AS first_ts, array_agg(dl.last_ts) AS last_ts,
                   array_agg(dl.last_trace) AS last_trace
              FROM dl) AS d,
           (SELECT array_agg(ha.address) AS address, array_agg(ha.first_ts) AS first_ts,
                   array_agg(ha.last_ts) AS last_ts, array_agg(ha.trace_id) AS trace_id
              FROM ha) AS h$sql$
      INTO v_traces, v_t_vantage, v_t_target, v_t_proto, v_t_paris, v_t_step,
           v_d_near, v_d_far, v_d_day, v_d_n, v_d_min, v_d_max, v_d_sum, v_d_count,
           v_d_first, v_d_last, v_d_trace,
           v_h_addr, v_h_first, v_h_last, v_h_trace
     USING v_q_id, v_q_ts, v_q_detect, v_lo, v_hi, v_ts_lo, v_ts_hi;
    PERFORM set_config('enable_nestloop', 'on', true);

    IF v_traces = 0 THEN
        RETURN QUERY SELECT 0, 0, 0, 0;
        RETURN;
    END IF;

    -- 2. links, locked in (near, far) order: the batch's days summed ---------
    IF v_d_near IS NOT NULL THEN
        WITH agg AS (
            SELECT l.near, l.far, min(l.first_ts) AS first_seen, max(l.last_ts) AS last_seen,
                   sum(l.n)::bigint AS times_seen, min(l.dmin) AS dmin, max(l.dmax) AS dmax,
                   sum(l.dsum) AS dsum, sum(l.dcount)::bigint AS dcount,
                   (max(ARRAY[(extract(epoch FROM l.last_ts) * 1000000)::bigint, l.trace_id]))[2]
                       AS last_trace_id
              FROM unnest(v_d_near, v_d_far, v_d_n, v_d_min, v_d_max, v_d_sum, v_d_count,
                          v_d_first, v_d_last, v_d_trace)
                   AS l(near, far, n, dmin, dmax, dsum, dcount, first_ts, last_ts, trace_id)
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

        -- 2b. the days, locked in (near, far, day) order.
        INSERT INTO pingsvc.link_rtt_daily AS d (near, far, day, times_seen, rtt_diff_min_ms,
                                                 rtt_diff_max_ms, rtt_diff_sum_ms, rtt_diff_count)
        SELECT l.near, l.far, l.day, l.n, l.dmin, l.dmax, l.dsum, l.dcount
          FROM unnest(v_d_near, v_d_far, v_d_day, v_d_n, v_d_min, v_d_max, v_d_sum, v_d_count)
               AS l(near, far, day, n, dmin, dmax, dsum, dcount)
         ORDER BY 1, 2, 3
        ON CONFLICT (near, far, day) DO UPDATE
        SET times_seen = d.times_seen + excluded.times_seen,
            rtt_diff_min_ms = least(d.rtt_diff_min_ms, excluded.rtt_diff_min_ms),
            rtt_diff_max_ms = greatest(d.rtt_diff_max_ms, excluded.rtt_diff_max_ms),
            rtt_diff_sum_ms = CASE WHEN d.rtt_diff_sum_ms IS NULL THEN excluded.rtt_diff_sum_ms
                                   WHEN excluded.rtt_diff_sum_ms IS NULL THEN d.rtt_diff_sum_ms
                                   ELSE d.rtt_diff_sum_ms + excluded.rtt_diff_sum_ms END,
            rtt_diff_count = d.rtt_diff_count + excluded.rtt_diff_count;
    END IF;

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

    -- 4. route history and changes (detect_routes(); none when the batch
    -- holds only GSS-stopped traces: no steps) ------------------------------------
    v_changes := pingsvc.detect_routes(v_t_vantage, v_t_target, v_t_proto, v_t_paris, v_t_step);

    RETURN QUERY SELECT v_traces, v_links, v_targets, v_changes;
END;
$$;

COMMENT ON FUNCTION pingsvc.derive_traces(bigint[]) IS
    'Derivation stage (pipeline v4, 0018; version 2, 0022: same rows, less work per batch): for the given trace ids still in derive_queue (taken FOR UPDATE SKIP LOCKED and removed, so each trace is derived once), read their traces and hops rows and derive links, link_rtt_daily, hop feedback (targets) and route history and changes (flows, flow_paths, route_changes, NOTIFY pingsvc_route_change) as process_results() version 3 does, in the caller''s transaction.  Traces queued with detect = false (GSS-stopped) are kept out of detection.  A writer that stores traces itself fills traces, hops and derive_queue (trace_id, ts, detect; queued_at defaults) before calling it.  Returns how many traces it derived, links upserted, new targets, route changes.';

REVOKE ALL ON FUNCTION pingsvc.derive_traces(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.derive_traces(bigint[]) TO pingsvc_ingest;
