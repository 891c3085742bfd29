-- pingsvc.fold_flow: run ROUTE-CHANGES.md's rules over the traces of one
-- flow, in the order given (process_results() passes them by ts, then
-- trace_id), starting from the flow's stored state p_flow (NULL for a flow
-- never seen).  Returns the new state (key columns, flow_id and updated_at
-- are the caller's to fill) and the lasting changes found, in order.
--
--   - the first trace of a flow becomes its current path;
--   - a trace not newer than the flow's last_ts arrives late: counted in
--     late_traces, otherwise ignored (the history is not rewritten);
--   - a trace matching the current path extends it (its `*`s filled in) and
--     abandons any candidate (a transient);
--   - else a trace matching the candidate confirms it; else it becomes the
--     new candidate (abandoning the previous one: a transient too);
--   - when p_k consecutive traces confirmed the candidate, it is a change:
--     detected_at = its first trace, last_old_at = the last trace on the
--     old path; the candidate becomes the current path.
-- The fold is sequential by nature (each trace depends on the state the
-- previous one left), so it loops over the flow's traces; the caller runs
-- it for all flows of a batch in one statement.
--
-- Concurrency: a pure function of its arguments.  The caller must hold the
-- flow's lock (process_results() takes a per-flow advisory lock) from
-- reading p_flow until the result is written.

CREATE FUNCTION pingsvc.fold_flow(
    p_flow      pingsvc.flows,
    p_steps     pingsvc.route_step[],
    p_k         integer,
    OUT o_flow      pingsvc.flows,
    OUT o_events    pingsvc.route_event[])
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_s     pingsvc.route_step;
    v_ev    pingsvc.route_event;
BEGIN
    o_flow := p_flow;
    o_events := '{}';
    IF p_k IS NULL OR p_k < 1 THEN
        RAISE EXCEPTION 'fold_flow: K must be at least 1, got %', p_k
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    FOREACH v_s IN ARRAY coalesce(p_steps, '{}')
    LOOP
        IF o_flow.cur_path IS NULL THEN
            -- First trace of the flow.
            o_flow.first_seen := v_s.ts;
            o_flow.last_ts := v_s.ts;
            o_flow.traces := 1;
            o_flow.late_traces := 0;
            o_flow.cur_path := v_s.path;
            o_flow.cur_reached_ttl := v_s.reached_ttl;
            o_flow.cur_since := v_s.ts;
            o_flow.cur_last_at := v_s.ts;
            o_flow.cur_traces := 1;
            o_flow.traces_since_change := 1;
            o_flow.cand_traces := 0;
            o_flow.changes := 0;
            o_flow.transients := 0;
            CONTINUE;
        END IF;

        IF v_s.ts <= o_flow.last_ts THEN
            o_flow.late_traces := o_flow.late_traces + 1;
            CONTINUE;
        END IF;

        o_flow.last_ts := v_s.ts;
        o_flow.traces := o_flow.traces + 1;
        o_flow.traces_since_change := o_flow.traces_since_change + 1;

        IF pingsvc.paths_match(o_flow.cur_path, o_flow.cur_reached_ttl, v_s.path, v_s.reached_ttl) THEN
            o_flow.cur_path := pingsvc.path_merge(o_flow.cur_path, v_s.path);
            o_flow.cur_last_at := v_s.ts;
            o_flow.cur_traces := o_flow.cur_traces + 1;
            IF o_flow.cand_path IS NOT NULL THEN
                o_flow.transients := o_flow.transients + 1;
                o_flow.last_transient_at := o_flow.cand_since;
                o_flow.cand_path := NULL;
                o_flow.cand_reached_ttl := NULL;
                o_flow.cand_since := NULL;
                o_flow.cand_last_at := NULL;
                o_flow.cand_traces := 0;
            END IF;
            CONTINUE;
        END IF;

        IF o_flow.cand_path IS NOT NULL
           AND pingsvc.paths_match(o_flow.cand_path, o_flow.cand_reached_ttl, v_s.path, v_s.reached_ttl) THEN
            o_flow.cand_path := pingsvc.path_merge(o_flow.cand_path, v_s.path);
            o_flow.cand_last_at := v_s.ts;
            o_flow.cand_traces := o_flow.cand_traces + 1;
        ELSE
            IF o_flow.cand_path IS NOT NULL THEN
                o_flow.transients := o_flow.transients + 1;
                o_flow.last_transient_at := o_flow.cand_since;
            END IF;
            o_flow.cand_path := v_s.path;
            o_flow.cand_reached_ttl := v_s.reached_ttl;
            o_flow.cand_since := v_s.ts;
            o_flow.cand_last_at := v_s.ts;
            o_flow.cand_traces := 1;
        END IF;

        IF o_flow.cand_traces >= p_k THEN
            v_ev := ROW(NULL, NULL, o_flow.cand_since, o_flow.cur_last_at,
                        o_flow.cur_path, o_flow.cur_reached_ttl, o_flow.cur_since, o_flow.cur_traces,
                        o_flow.cand_path, o_flow.cand_reached_ttl, o_flow.cand_traces);
            o_events := o_events || v_ev;
            o_flow.changes := o_flow.changes + 1;
            o_flow.cur_path := o_flow.cand_path;
            o_flow.cur_reached_ttl := o_flow.cand_reached_ttl;
            o_flow.cur_since := o_flow.cand_since;
            o_flow.cur_last_at := o_flow.cand_last_at;
            o_flow.cur_traces := o_flow.cand_traces;
            o_flow.traces_since_change := o_flow.cand_traces;
            o_flow.cand_path := NULL;
            o_flow.cand_reached_ttl := NULL;
            o_flow.cand_since := NULL;
            o_flow.cand_last_at := NULL;
            o_flow.cand_traces := 0;
        END IF;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION pingsvc.fold_flow(pingsvc.flows, pingsvc.route_step[], integer) IS
    'Route-change detection for one flow: applies ROUTE-CHANGES.md to the traces given (in order) from the stored state, K = third argument; returns the new state and the lasting changes found.';
