-- pingsvc.detect_routes (migration 0022): route history and change
-- detection of a batch of new traces, the last stage of derive_traces()
-- (version 2), which calls it after links and hop feedback; carved out of
-- version 1's steps 4 and 5 unchanged, so that detection can be called and
-- measured on its own.  Arguments: per trace (detect = true only), its
-- flow (vantage, target, proto, paris_id) and its step (trace_id, ts,
-- path, reached_ttl).  Folds them into flows, flow_paths and route_changes
-- (with AS paths when as_prefixes is loaded), sends one NOTIFY
-- pingsvc_route_change per change, and returns the number of changes.
--
-- Concurrency: a transaction-level advisory lock per flow of the batch
-- (hashtextextended of vantage|target|proto|paris_id, in hash order),
-- taken before the flow's state is read; callers that also lock links,
-- link_rtt_daily and targets lock those first (derive_traces() does).  A
-- trace not newer than the last one detection saw for its flow is counted
-- in flows.late_traces and not folded.  Each trace must be passed once:
-- derive_traces() guarantees it through derive_queue.

CREATE FUNCTION pingsvc.detect_routes(p_vantage text[], p_target inet[], p_proto text[],
                                      p_paris integer[], p_steps pingsvc.route_step[])
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
SET work_mem = '64MB'
SET enable_nestloop = on
SET jit = off
AS $$
DECLARE
    v_k         integer;
    v_have_as   boolean;
    v_changes   integer := 0;
    v_events    pingsvc.route_event[];
    v_flow_ids  bigint[];
    v_flows_written bigint;
    v_fast      bigint[];
BEGIN
    IF p_steps IS NULL OR cardinality(p_steps) = 0 THEN
        RETURN 0;
    END IF;
    IF cardinality(p_vantage) IS DISTINCT FROM cardinality(p_steps)
       OR cardinality(p_target) IS DISTINCT FROM cardinality(p_steps)
       OR cardinality(p_proto) IS DISTINCT FROM cardinality(p_steps)
       OR cardinality(p_paris) IS DISTINCT FROM cardinality(p_steps) THEN
        RAISE EXCEPTION 'detect_routes: the five arrays must have one element per trace (% steps)',
                        cardinality(p_steps)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT s.value::integer INTO v_k FROM pingsvc.settings s WHERE s.name = 'route_change_k';
    v_k := coalesce(v_k, 2);
    v_have_as := EXISTS (SELECT 1 FROM pingsvc.as_prefixes);

    PERFORM pg_advisory_xact_lock(k.lock_key)
       FROM (SELECT DISTINCT hashtextextended(concat_ws('|', t.vantage, host(t.target), t.proto,
                                                        t.paris_id), 0) AS lock_key
               FROM unnest(p_vantage, p_target, p_proto, p_paris)
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
          FROM unnest(p_vantage, p_target, p_proto, p_paris, p_steps)
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
          FROM unnest(p_vantage, p_target, p_proto, p_paris, p_steps)
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


    RETURN v_changes;
END;
$$;

COMMENT ON FUNCTION pingsvc.detect_routes(text[], inet[], text[], integer[], pingsvc.route_step[]) IS
    'Route history and change detection of a batch of new traces (the last stage of derive_traces(), 0022): per trace its flow (vantage, target, proto, paris_id) and step (trace_id, ts, path, reached_ttl), one element each; folds them into flows, flow_paths and route_changes, NOTIFY pingsvc_route_change per change; returns the number of changes.  Each trace must be passed once (derive_traces() guarantees it); raises 22023 when the arrays differ in length.';

REVOKE ALL ON FUNCTION pingsvc.detect_routes(text[], inet[], text[], integer[], pingsvc.route_step[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.detect_routes(text[], inet[], text[], integer[], pingsvc.route_step[])
    TO pingsvc_ingest;
