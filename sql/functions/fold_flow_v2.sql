-- pingsvc.fold_flow_v2: fold_flow() (0002) with the same arguments, rules
-- and results, made cheaper per trace for process_results() version 2 and
-- full-history detection:
--   - the state lives in scalar variables during the loop and is written
--     to the flows row once at the end (a field of a composite variable
--     costs more to read and write than a scalar);
--   - a trace whose path and reached TTL equal the current path exactly
--     (one array comparison, the common case of a stable route) extends it
--     without calling paths_match() and path_merge(): an identical path
--     matches and fills no `*`;
--   - when neither path holds a `*`, matching is equality of the common
--     prefix (array slices compared in C); paths_match() only runs when a
--     `*` is involved.
-- The rules (ROUTE-CHANGES.md) are fold_flow()'s: the first trace sets the
-- current path; a trace not newer than the flow's last_ts is late (counted,
-- ignored); a matching trace extends the current path and abandons any
-- candidate (a transient); else it confirms the candidate or replaces it
-- (the old one a transient); p_k consecutive confirmations make a change.
--
-- Concurrency: a pure function of its arguments.  The caller must hold the
-- flow's lock (process_results() takes a per-flow advisory lock) from
-- reading p_flow until the result is written.

CREATE FUNCTION pingsvc.fold_flow_v2(
    p_flow      pingsvc.flows,
    p_steps     pingsvc.route_step[],
    p_k         integer,
    OUT o_flow      pingsvc.flows,
    OUT o_events    pingsvc.route_event[])
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_s         pingsvc.route_step;
    v_path      inet[];
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
    v_cur_n     bigint;
    v_tsc       bigint;
    v_cand      inet[];
    v_cand_r    smallint;
    v_cand_since timestamptz;
    v_cand_last timestamptz;
    v_cand_n    integer;
    v_changes   bigint;
    v_trans     bigint;
    v_trans_at  timestamptz;
    v_full      boolean;
    v_m         integer;
    v_match     boolean;
BEGIN
    o_flow := p_flow;
    o_events := '{}';
    IF p_k IS NULL OR p_k < 1 THEN
        RAISE EXCEPTION 'fold_flow_v2: K must be at least 1, got %', p_k
            USING ERRCODE = 'invalid_parameter_value';
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
        v_cur_n := p_flow.cur_traces;
        v_tsc := p_flow.traces_since_change;
        v_cand := p_flow.cand_path;
        v_cand_r := p_flow.cand_reached_ttl;
        v_cand_since := p_flow.cand_since;
        v_cand_last := p_flow.cand_last_at;
        v_cand_n := p_flow.cand_traces;
        v_changes := p_flow.changes;
        v_trans := p_flow.transients;
        v_trans_at := p_flow.last_transient_at;
    END IF;

    FOREACH v_s IN ARRAY coalesce(p_steps, '{}')
    LOOP
        v_ts := v_s.ts;
        v_path := v_s.path;
        v_rttl := v_s.reached_ttl;

        IF NOT v_started THEN
            -- First trace of the flow.
            v_started := true;
            v_first := v_ts;
            v_last_ts := v_ts;
            v_traces := 1;
            v_late := 0;
            v_cur := v_path;
            v_cur_r := v_rttl;
            v_cur_since := v_ts;
            v_cur_last := v_ts;
            v_cur_n := 1;
            v_tsc := 1;
            v_cand_n := 0;
            v_changes := 0;
            v_trans := 0;
            CONTINUE;
        END IF;

        IF v_ts <= v_last_ts THEN
            v_late := v_late + 1;
            CONTINUE;
        END IF;

        v_last_ts := v_ts;
        v_traces := v_traces + 1;
        v_tsc := v_tsc + 1;

        IF v_path = v_cur AND v_rttl IS NOT DISTINCT FROM v_cur_r THEN
            -- Identical to the current path: it matches and fills nothing.
            v_cur_last := v_ts;
            v_cur_n := v_cur_n + 1;
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

        -- Without `*` on either side, matching is comparing the common
        -- prefix (one C call); with `*`s, paths_match() decides.
        v_full := array_position(v_path, NULL) IS NULL;
        IF v_rttl IS DISTINCT FROM v_cur_r THEN
            v_match := false;
        ELSIF v_full AND array_position(v_cur, NULL) IS NULL THEN
            v_m := least(cardinality(v_path), cardinality(v_cur));
            v_match := v_path[1:v_m] = v_cur[1:v_m];
        ELSE
            v_match := pingsvc.paths_match(v_cur, v_cur_r, v_path, v_rttl);
        END IF;
        IF v_match THEN
            v_cur := pingsvc.path_merge(v_cur, v_path);
            v_cur_last := v_ts;
            v_cur_n := v_cur_n + 1;
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

        v_match := false;
        IF v_cand IS NOT NULL AND v_rttl IS NOT DISTINCT FROM v_cand_r THEN
            IF v_path = v_cand THEN
                v_match := true;
            ELSIF v_full AND array_position(v_cand, NULL) IS NULL THEN
                v_m := least(cardinality(v_path), cardinality(v_cand));
                v_match := v_path[1:v_m] = v_cand[1:v_m];
            ELSE
                v_match := pingsvc.paths_match(v_cand, v_cand_r, v_path, v_rttl);
            END IF;
        END IF;
        IF v_match THEN
            IF v_path IS DISTINCT FROM v_cand THEN
                v_cand := pingsvc.path_merge(v_cand, v_path);
            END IF;
            v_cand_last := v_ts;
            v_cand_n := v_cand_n + 1;
        ELSE
            IF v_cand IS NOT NULL THEN
                v_trans := v_trans + 1;
                v_trans_at := v_cand_since;
            END IF;
            v_cand := v_path;
            v_cand_r := v_rttl;
            v_cand_since := v_ts;
            v_cand_last := v_ts;
            v_cand_n := 1;
        END IF;

        IF v_cand_n >= p_k THEN
            o_events := o_events || ROW(NULL, NULL, v_cand_since, v_cur_last, v_cur, v_cur_r,
                                        v_cur_since, v_cur_n, v_cand, v_cand_r,
                                        v_cand_n)::pingsvc.route_event;
            v_changes := v_changes + 1;
            v_cur := v_cand;
            v_cur_r := v_cand_r;
            v_cur_since := v_cand_since;
            v_cur_last := v_cand_last;
            v_cur_n := v_cand_n;
            v_tsc := v_cand_n;
            v_cand := NULL;
            v_cand_r := NULL;
            v_cand_since := NULL;
            v_cand_last := NULL;
            v_cand_n := 0;
        END IF;
    END LOOP;

    IF v_started THEN
        o_flow.first_seen := v_first;
        o_flow.last_ts := v_last_ts;
        o_flow.traces := v_traces;
        o_flow.late_traces := v_late;
        o_flow.cur_path := v_cur;
        o_flow.cur_reached_ttl := v_cur_r;
        o_flow.cur_since := v_cur_since;
        o_flow.cur_last_at := v_cur_last;
        o_flow.cur_traces := v_cur_n;
        o_flow.traces_since_change := v_tsc;
        o_flow.cand_path := v_cand;
        o_flow.cand_reached_ttl := v_cand_r;
        o_flow.cand_since := v_cand_since;
        o_flow.cand_last_at := v_cand_last;
        o_flow.cand_traces := v_cand_n;
        o_flow.changes := v_changes;
        o_flow.transients := v_trans;
        o_flow.last_transient_at := v_trans_at;
    END IF;
END;
$$;

COMMENT ON FUNCTION pingsvc.fold_flow_v2(pingsvc.flows, pingsvc.route_step[], integer) IS
    'fold_flow() with scalar state and a fast path for traces identical to the current path: same rules (ROUTE-CHANGES.md), same results; K = third argument.';
