-- pingsvc.fold_flow_v2, version 3 (migration 0015): the same function (name,
-- arguments, rules, results; process_results() keeps calling it) with less
-- work per trace.  Profiling fold_flow_v2 (0009) over long histories showed
-- PL/pgSQL statement overhead, not the path comparisons, dominating: every
-- statement costs a plan-validity check, FOREACH builds an expanded record
-- per trace, and every assignment of an inet[] to a variable builds an
-- expanded array (its own memory context).  So:
--   - traces are read in place (p_steps[i]).ts/.path/.reached_ttl, never
--     copied into variables on the common path;
--   - a trace newer than the last one, with no candidate pending, and
--     identical to the current path (path and reached TTL: one array
--     comparison in C) is one IF and one assignment: the counters it would
--     bump (traces, traces_since_change, cur_traces, cur_last_at) are
--     derived afterwards from how many traces were fed and how many of
--     them did not match (v_miss), which the other branches count;
--   - a trace identical to the current path while a candidate is pending
--     (ECMP alternation) abandons it without the counting of other traces;
--   - two paths without `*` of one length match only when identical, so
--     only paths of different lengths compare their common prefix;
--   - a path merge is skipped when it cannot change anything (no `*` in
--     the path merged into, and it is at least as long);
--   - a path with `*`s matches a current path without `*`s when the
--     current path, with the trace's `*` positions blanked out, equals it
--     (array equality counts NULL = NULL), instead of a PL/pgSQL loop over
--     every TTL; paths_match() runs only when both sides hold `*`s.
-- The rules (ROUTE-CHANGES.md) are fold_flow()'s: the first trace sets the
-- current path; a trace not newer than the flow's last_ts is late (counted,
-- ignored); a matching trace extends the current path and abandons any
-- candidate (a transient); else it confirms the candidate or replaces it
-- (the old one a transient); p_k consecutive confirmations make a change.
-- tests/sql/58_pipeline_v2.sql and 61_fold_flow_v3.sql compare it with
-- fold_flow() on random histories.
--
-- Counting, with fed(i) = traces fed (not late) among the steps up to i:
--   traces              = traces before the call + fed(last)
--   traces_since_change = v_tsc_base + fed(last), where v_tsc_base is the
--                         value before the call, reset at a change to
--                         K - fed(i) (the change's K traces stay counted)
--   cur_traces          = traces_since_change - v_miss (traces since the
--                         current path began that did not match it)
--   cur_last_at         = ts of the previous fed trace when the traces fed
--                         since the last one counted below (v_slow_fed =
--                         its fed()) all matched the current path unchanged
--                         (the two shortcuts above), which is all they can
--                         have done; checked before each counted trace and
--                         at the end.
--
-- Concurrency: a pure function of its arguments.  The caller must hold the
-- flow's lock (process_results() takes a per-flow advisory lock) from
-- reading p_flow until the result is written.

CREATE OR REPLACE FUNCTION pingsvc.fold_flow_v2(
    p_flow      pingsvc.flows,
    p_steps     pingsvc.route_step[],
    p_k         integer,
    OUT o_flow      pingsvc.flows,
    OUT o_events    pingsvc.route_event[])
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_i         integer;
    v_lo        integer;
    v_hi        integer;
    v_base      integer;
    v_fed       integer;
    v_slow_fed  integer;
    v_rttl      smallint;
    v_ts        timestamptz;
    v_started   boolean;
    v_first     timestamptz;
    v_last_ts   timestamptz;
    v_traces    bigint;
    v_late      bigint;
    v_cur       inet[];
    v_cur_r     smallint;
    v_cur_since timestamptz;
    v_cur_last  timestamptz;
    v_cur_full  boolean;
    v_tsc_base  bigint;
    v_miss      bigint;
    v_cand      inet[];
    v_cand_r    smallint;
    v_cand_since timestamptz;
    v_cand_last timestamptz;
    v_cand_n    integer;
    v_cand_full boolean;
    v_changes   bigint;
    v_trans     bigint;
    v_trans_at  timestamptz;
    v_m         integer;
    v_j         integer;
    v_mask      inet[];
    v_match     boolean;
BEGIN
    o_flow := p_flow;
    o_events := '{}';
    IF p_k IS NULL OR p_k < 1 THEN
        RAISE EXCEPTION 'fold_flow_v2: K must be at least 1, got %', p_k
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_ndims(p_steps) > 1 THEN
        -- The steps in storage order, as FOREACH would walk them.
        p_steps := ARRAY(SELECT s FROM unnest(p_steps) WITH ORDINALITY AS u(s, n) ORDER BY u.n);
    END IF;
    v_lo := array_lower(p_steps, 1);
    v_hi := array_upper(p_steps, 1);
    IF v_lo IS NULL THEN
        -- No steps (or none given): the state stays as it is.
        RETURN;
    END IF;

    v_started := p_flow.cur_path IS NOT NULL;
    IF v_started THEN
        v_first := p_flow.first_seen;
        v_last_ts := p_flow.last_ts;
        v_traces := p_flow.traces;
        v_late := p_flow.late_traces;
        v_cur := p_flow.cur_path;
        v_cur_r := p_flow.cur_reached_ttl;
        v_cur_since := p_flow.cur_since;
        v_cur_last := p_flow.cur_last_at;
        v_tsc_base := p_flow.traces_since_change;
        v_miss := p_flow.traces_since_change - p_flow.cur_traces;
        v_cand := p_flow.cand_path;
        v_cand_r := p_flow.cand_reached_ttl;
        v_cand_since := p_flow.cand_since;
        v_cand_last := p_flow.cand_last_at;
        v_cand_n := p_flow.cand_traces;
        v_changes := p_flow.changes;
        v_trans := p_flow.transients;
        v_trans_at := p_flow.last_transient_at;
        v_slow_fed := 0;
    ELSE
        -- First trace of the flow.
        v_ts := (p_steps[v_lo]).ts;
        v_first := v_ts;
        v_last_ts := v_ts;
        v_traces := 0;
        v_late := 0;
        v_cur := (p_steps[v_lo]).path;
        v_cur_r := (p_steps[v_lo]).reached_ttl;
        v_cur_since := v_ts;
        v_cur_last := v_ts;
        v_tsc_base := 0;
        v_miss := 0;
        v_cand_n := 0;
        v_changes := 0;
        v_trans := 0;
        v_slow_fed := 1;
        v_started := true;
    END IF;
    -- fed(i) = v_i - v_base - v_late while v_late counts the late steps so far.
    v_base := v_lo - 1 - v_late;
    IF v_slow_fed = 1 THEN
        v_lo := v_lo + 1;
    END IF;
    v_cur_full := array_position(v_cur, NULL) IS NULL;
    v_cand_full := array_position(v_cand, NULL) IS NULL;

    FOR v_i IN v_lo .. v_hi LOOP
        -- Fast path: newer, no candidate, identical to the current path.
        IF (p_steps[v_i]).ts > v_last_ts AND v_cand IS NULL
           AND (p_steps[v_i]).path = v_cur
           AND (p_steps[v_i]).reached_ttl IS NOT DISTINCT FROM v_cur_r THEN
            v_last_ts := (p_steps[v_i]).ts;
            CONTINUE;
        END IF;

        v_ts := (p_steps[v_i]).ts;
        IF v_ts <= v_last_ts THEN
            v_late := v_late + 1;
            CONTINUE;
        END IF;
        IF (p_steps[v_i]).path = v_cur AND (p_steps[v_i]).reached_ttl IS NOT DISTINCT FROM v_cur_r THEN
            -- Identical to the current path with a candidate pending: a
            -- match that abandons it (a transient).  A match needs no
            -- counting here (see cur_traces, cur_last_at above).
            v_last_ts := v_ts;
            IF v_cand IS NOT NULL THEN
                v_trans := v_trans + 1;
                v_trans_at := v_cand_since;
                v_cand := NULL;
                v_cand_r := NULL;
                v_cand_since := NULL;
                v_cand_last := NULL;
                v_cand_n := 0;
            END IF;
            CONTINUE;
        END IF;

        v_fed := v_i - v_base - v_late;
        IF v_fed - 1 > v_slow_fed THEN
            -- The traces fed since the last one counted here all matched
            -- the current path; the last of them is the previous trace.
            v_cur_last := v_last_ts;
        END IF;
        v_slow_fed := v_fed;
        v_last_ts := v_ts;
        v_rttl := (p_steps[v_i]).reached_ttl;

        -- Match against the current path (not identical to it).
        IF v_rttl IS DISTINCT FROM v_cur_r THEN
            v_match := false;
        ELSIF array_position((p_steps[v_i]).path, NULL) IS NULL THEN
            IF v_cur_full THEN
                -- Without `*`s, paths of one length match only if identical.
                v_m := least(cardinality((p_steps[v_i]).path), cardinality(v_cur));
                v_match := cardinality((p_steps[v_i]).path) <> cardinality(v_cur)
                           AND (p_steps[v_i]).path[1:v_m] = v_cur[1:v_m];
            ELSE
                v_match := pingsvc.paths_match(v_cur, v_cur_r, (p_steps[v_i]).path, v_rttl);
            END IF;
        ELSIF v_cur_full THEN
            -- Blank the current path where the trace has `*`s.
            v_m := least(cardinality((p_steps[v_i]).path), cardinality(v_cur));
            v_mask := v_cur[1:v_m];
            FOREACH v_j IN ARRAY array_positions((p_steps[v_i]).path, NULL) LOOP
                EXIT WHEN v_j > v_m;
                v_mask[v_j] := NULL;
            END LOOP;
            v_match := v_mask = (p_steps[v_i]).path[1:v_m];
        ELSE
            v_match := pingsvc.paths_match(v_cur, v_cur_r, (p_steps[v_i]).path, v_rttl);
        END IF;
        IF v_match THEN
            -- path_merge() changes nothing when the current path has no
            -- `*` and is at least as long.
            IF NOT (v_cur_full AND cardinality((p_steps[v_i]).path) <= cardinality(v_cur)) THEN
                v_cur := pingsvc.path_merge(v_cur, (p_steps[v_i]).path);
                v_cur_full := array_position(v_cur, NULL) IS NULL;
            END IF;
            v_cur_last := v_ts;
            IF v_cand IS NOT NULL THEN
                v_trans := v_trans + 1;
                v_trans_at := v_cand_since;
                v_cand := NULL;
                v_cand_r := NULL;
                v_cand_since := NULL;
                v_cand_last := NULL;
                v_cand_n := 0;
            END IF;
            CONTINUE;
        END IF;

        -- Not the current path: the candidate's, or a new candidate.
        v_miss := v_miss + 1;
        IF v_cand IS NULL OR v_rttl IS DISTINCT FROM v_cand_r THEN
            v_match := false;
        ELSIF (p_steps[v_i]).path = v_cand THEN
            v_match := true;
        ELSIF v_cand_full AND array_position((p_steps[v_i]).path, NULL) IS NULL THEN
            v_m := least(cardinality((p_steps[v_i]).path), cardinality(v_cand));
            v_match := (p_steps[v_i]).path[1:v_m] = v_cand[1:v_m];
            IF v_match AND cardinality((p_steps[v_i]).path) > cardinality(v_cand) THEN
                v_cand := pingsvc.path_merge(v_cand, (p_steps[v_i]).path);
            END IF;
        ELSE
            v_match := pingsvc.paths_match(v_cand, v_cand_r, (p_steps[v_i]).path, v_rttl);
            IF v_match THEN
                v_cand := pingsvc.path_merge(v_cand, (p_steps[v_i]).path);
                v_cand_full := array_position(v_cand, NULL) IS NULL;
            END IF;
        END IF;
        IF v_match THEN
            v_cand_last := v_ts;
            v_cand_n := v_cand_n + 1;
        ELSE
            IF v_cand IS NOT NULL THEN
                v_trans := v_trans + 1;
                v_trans_at := v_cand_since;
            END IF;
            v_cand := (p_steps[v_i]).path;
            v_cand_r := v_rttl;
            v_cand_since := v_ts;
            v_cand_last := v_ts;
            v_cand_n := 1;
            v_cand_full := array_position(v_cand, NULL) IS NULL;
        END IF;

        IF v_cand_n >= p_k THEN
            o_events := o_events || ROW(NULL, NULL, v_cand_since, v_cur_last, v_cur, v_cur_r,
                                        v_cur_since, v_tsc_base + v_fed - v_miss, v_cand,
                                        v_cand_r, v_cand_n)::pingsvc.route_event;
            v_changes := v_changes + 1;
            v_cur := v_cand;
            v_cur_r := v_cand_r;
            v_cur_since := v_cand_since;
            v_cur_last := v_cand_last;
            v_cur_full := v_cand_full;
            v_tsc_base := v_cand_n - v_fed;
            v_miss := 0;
            v_cand := NULL;
            v_cand_r := NULL;
            v_cand_since := NULL;
            v_cand_last := NULL;
            v_cand_n := 0;
        END IF;
    END LOOP;

    v_fed := v_hi - v_base - v_late;
    IF v_fed > v_slow_fed THEN
        v_cur_last := v_last_ts;
    END IF;
    o_flow.first_seen := v_first;
    o_flow.last_ts := v_last_ts;
    o_flow.traces := v_traces + v_fed;
    o_flow.late_traces := v_late;
    o_flow.cur_path := v_cur;
    o_flow.cur_reached_ttl := v_cur_r;
    o_flow.cur_since := v_cur_since;
    o_flow.cur_last_at := v_cur_last;
    o_flow.cur_traces := v_tsc_base + v_fed - v_miss;
    o_flow.traces_since_change := v_tsc_base + v_fed;
    o_flow.cand_path := v_cand;
    o_flow.cand_reached_ttl := v_cand_r;
    o_flow.cand_since := v_cand_since;
    o_flow.cand_last_at := v_cand_last;
    o_flow.cand_traces := v_cand_n;
    o_flow.changes := v_changes;
    o_flow.transients := v_trans;
    o_flow.last_transient_at := v_trans_at;
END;
$$;

COMMENT ON FUNCTION pingsvc.fold_flow_v2(pingsvc.flows, pingsvc.route_step[], integer) IS
    'fold_flow() with scalar state, derived counters and a two-statement fast path for a trace identical to the current path (version 3, 0015): same rules (ROUTE-CHANGES.md), same results; K = third argument.';
