-- pingsvc.derive_traces, version 2 (migration 0022): the same derivation
-- as version 1 (derive_traces.sql: same rows in links, link_rtt_daily,
-- targets, flows, flow_paths and route_changes, same locking order, same
-- results), with less work per batch.  Measured on one batch of 10,000
-- traces (431,000 hop rows, 64,400 links already known), version 1 spent
-- 0.75 s reading the batch and 1.0 s upserting links and link_rtt_daily:
--   - the hop rows are read once and aggregated in one pass with two
--     grouping sets: per (trace, TTL) the min RTT of the path address's
--     replies, per address its first and last sighting (version 1
--     materialised every hop row, then hashed them twice and sorted the
--     path's TTLs for a window);
--   - links come from the path array (path[i], path[i+1], both answered,
--     different) joined with those per-TTL RTTs, and are summed per
--     (near, far, UTC day) in the same statement; the links upsert sums
--     the days, so the sightings are grouped once and no ordered aggregate
--     sorts each link's sightings (the latest sighting is the greatest
--     [ts in us, trace_id]);
--   - links updates are HOT: migration 0022 drops links_last_seen_idx (no
--     query of the project reads links by last_seen through it; every
--     batch moved one entry of it per link seen) and gives links room on
--     its pages (fillfactor 70), as 0018 did for link_rtt_daily.
-- The header of version 1 (concurrency, who fills what) holds unchanged.

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
    v_k         integer;
    v_traces    integer := 0;
    v_links     integer := 0;
    v_targets   integer := 0;
    v_changes   integer := 0;
    v_t_vantage text[];
    v_t_target  inet[];
    v_t_proto   text[];
    v_t_paris   integer[];
    v_t_step    pingsvc.route_step[];
    v_events    pingsvc.route_event[];
    v_flow_ids  bigint[];
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
    v_flows_written bigint;
    v_fast      bigint[];
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
    v_have_as   boolean;
BEGIN
    IF p_trace_ids IS NULL OR cardinality(p_trace_ids) = 0 THEN
        RETURN QUERY SELECT 0, 0, 0, 0;
        RETURN;
    END IF;
    SELECT s.value::integer INTO v_k FROM pingsvc.settings s WHERE s.name = 'route_change_k';
    v_k := coalesce(v_k, 2);
    v_have_as := EXISTS (SELECT 1 FROM pingsvc.as_prefixes);

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
    IF v_q_id IS NOT NULL THEN
        DELETE FROM pingsvc.derive_queue d WHERE d.ctid = ANY (v_q_ctid);
    END IF;
    IF v_q_id IS NULL THEN
        RETURN QUERY SELECT 0, 0, 0, 0;
        RETURN;
    END IF;

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
        SELECT tr.trace_id, tr.ts, tr.ts_us, y.ttl, y.address, y.rtt_ms,
               tr.path[y.ttl] IS NOT DISTINCT FROM y.address AS on_path
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
        SELECT tr.trace_id, tr.ts, tr.ts_us, h.ttl, h.address, h.rtt_ms,
               tr.path[h.ttl] IS NOT DISTINCT FROM h.address AS on_path
          FROM tr
          CROSS JOIN LATERAL (SELECT y.ttl, y.address, y.rtt_ms
                                FROM pingsvc.hops y
                               WHERE y.trace_id = tr.trace_id AND y.ts = tr.ts
                              OFFSET 0) AS h
    )$src$;
    END IF;

    EXECUTE 'WITH' || v_src || $sql$, g AS MATERIALIZED (
        -- One pass over the hop rows, two groupings: per (trace, TTL) the
        -- min rtt of the path address's replies (NULL when none has an
        -- rtt), per address its first sighting (the least [ts in us,
        -- trace_id]: bigint[] compares element by element) and last ts.
        SELECT GROUPING(hp.address) = 1 AS per_ttl, hp.trace_id, hp.ttl, hp.address,
               min(hp.rtt_ms) FILTER (WHERE hp.on_path) AS rtt,
               min(hp.ts) AS first_ts, max(hp.ts) AS last_ts,
               (min(ARRAY[hp.ts_us, hp.trace_id]))[2] AS first_trace
          FROM hp
         GROUP BY GROUPING SETS ((hp.address), (hp.trace_id, hp.ttl))
    ), rt AS (
        SELECT g.trace_id, g.ttl, g.rtt FROM g WHERE g.per_ttl
    ), lk AS (
        -- (path[i], path[i+1]) both answered (the path holds at TTL i an
        -- address that answered at i), different: once per trace (its
        -- first position), RTT jump = min rtt at i+1 minus at i.
        SELECT DISTINCT ON (a.trace_id, tr.path[a.ttl], tr.path[a.ttl + 1])
               a.trace_id, tr.ts, tr.ts_us, tr.path[a.ttl] AS near, tr.path[a.ttl + 1] AS far,
               b.rtt - a.rtt AS diff
          FROM rt a
          JOIN rt b ON b.trace_id = a.trace_id AND b.ttl = a.ttl + 1
          JOIN tr ON tr.trace_id = a.trace_id
         WHERE tr.path[a.ttl] IS NOT NULL AND tr.path[a.ttl + 1] IS NOT NULL
           AND tr.path[a.ttl] <> tr.path[a.ttl + 1]
         ORDER BY a.trace_id, tr.path[a.ttl], tr.path[a.ttl + 1], a.ttl
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
        SELECT g.address, g.first_ts, g.last_ts, g.first_trace AS trace_id FROM g WHERE NOT g.per_ttl
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

    -- 4. route changes: lock the batch's flows in hash order, then fold ----------
    IF v_t_step IS NULL THEN
        -- Only GSS-stopped traces: nothing for route history.
        RETURN QUERY SELECT v_traces, v_links, v_targets, 0;
        RETURN;
    END IF;

    PERFORM pg_advisory_xact_lock(k.lock_key)
       FROM (SELECT DISTINCT hashtextextended(concat_ws('|', t.vantage, host(t.target), t.proto,
                                                        t.paris_id), 0) AS lock_key
               FROM unnest(v_t_vantage, v_t_target, v_t_proto, v_t_paris)
                    AS t(vantage, target, proto, paris_id)
              ORDER BY 1) AS k;

    -- 4a. the fast path, set-based: a flow with no candidate pending whose
    -- new traces all equal its current path (path and reached TTL, as
    -- fold_flow_v2's own fast path compares them), all newer than its
    -- last_ts and of distinct ts, just extends the current path: flows
    -- counters and last_ts, and its open flow_paths row (last_seen,
    -- traces), exactly what folding them would write.  The other flows
    -- (new, candidate pending, a differing, late or `*`-filling trace)
    -- are folded below.
    WITH st AS (
        SELECT t.vantage, t.target, t.proto, t.paris_id, t.ts, t.path, t.reached_ttl
          FROM unnest(v_t_vantage, v_t_target, v_t_proto, v_t_paris, v_t_step)
               AS t(vantage, target, proto, paris_id, trace_id, ts, path, reached_ttl)
    ), per AS (
        SELECT f.flow_id, count(*) AS n, max(st.ts) AS last_ts
          FROM st
          JOIN pingsvc.flows f
            ON f.vantage = st.vantage AND f.target = st.target AND f.proto = st.proto
           AND f.paris_id IS NOT DISTINCT FROM st.paris_id
         WHERE f.cand_path IS NULL
         GROUP BY f.flow_id, f.last_ts
        HAVING bool_and(st.path = f.cur_path AND st.reached_ttl IS NOT DISTINCT FROM f.cur_reached_ttl)
           AND min(st.ts) > f.last_ts AND count(DISTINCT st.ts) = count(*)
           AND EXISTS (SELECT 1 FROM pingsvc.flow_paths p WHERE p.flow_id = f.flow_id AND p.valid_to IS NULL)
    ), upf AS (
        UPDATE pingsvc.flows f
           SET last_ts = per.last_ts, traces = f.traces + per.n, cur_last_at = per.last_ts,
               cur_traces = f.cur_traces + per.n, traces_since_change = f.traces_since_change + per.n,
               updated_at = now()
          FROM per
         WHERE f.flow_id = per.flow_id
        RETURNING f.flow_id, f.cur_path, f.cur_reached_ttl, f.cur_last_at, f.cur_traces
    ), upp AS (
        UPDATE pingsvc.flow_paths p
           SET path = upf.cur_path, reached_ttl = upf.cur_reached_ttl, last_seen = upf.cur_last_at,
               traces = upf.cur_traces,
               as_path = CASE WHEN p.path IS NOT DISTINCT FROM upf.cur_path AND p.as_path IS NOT NULL
                              THEN p.as_path
                              WHEN v_have_as THEN pingsvc.as_path(upf.cur_path) END
          FROM upf
         WHERE p.flow_id = upf.flow_id AND p.valid_to IS NULL
    )
    SELECT array_agg(upf.flow_id) INTO v_fast FROM upf;

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
          -- Flows the fast path extended are not folded again.
          LEFT JOIN unnest(v_fast) AS fx(flow_id) ON fx.flow_id = f.flow_id
          CROSS JOIN LATERAL pingsvc.fold_flow_v2(f, s.steps, v_k) AS r
         WHERE fx.flow_id IS NULL
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

    RETURN QUERY SELECT v_traces, v_links, v_targets, v_changes;
END;
$$;

COMMENT ON FUNCTION pingsvc.derive_traces(bigint[]) IS
    'Derivation stage (pipeline v4, 0018; version 2, 0022: same rows, less work per batch): for the given trace ids still in derive_queue (taken FOR UPDATE SKIP LOCKED and removed, so each trace is derived once), read their traces and hops rows and derive links, link_rtt_daily, hop feedback (targets) and route history and changes (flows, flow_paths, route_changes, NOTIFY pingsvc_route_change) as process_results() version 3 does, in the caller''s transaction.  Traces queued with detect = false (GSS-stopped) are kept out of detection.  A writer that stores traces itself fills traces, hops and derive_queue (trace_id, ts, detect; queued_at defaults) before calling it.  Returns how many traces it derived, links upserted, new targets, route changes.';

REVOKE ALL ON FUNCTION pingsvc.derive_traces(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.derive_traces(bigint[]) TO pingsvc_ingest;
