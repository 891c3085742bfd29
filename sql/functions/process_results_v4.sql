-- pingsvc.process_results, version 4 (migration 0018): the contract of
-- versions 1-3 (same signature, result columns, idempotence, lock order)
-- as the two stages of pipeline v4: extract_results() (traces and hops
-- from the JSON bodies, the new traces queued in derive_queue), then
-- derive_traces() of exactly those new traces (links, link_rtt_daily, hop
-- feedback, route history and changes, NOTIFY).  Every existing caller
-- keeps working; a writer that builds traces and hops rows itself calls
-- derive_traces() instead.
--
-- A result whose trace exists already is skipped (calling it twice
-- changes nothing); if that trace is still queued (extracted but not
-- derived), derive_pending() derives it, not this function.
--
-- Concurrency: extract_results() only inserts; derive_traces() takes the
-- new traces' queue rows (its own, invisible to others until commit) and
-- locks links, link_rtt_daily, targets, then per-flow advisory locks, in
-- that order (see derive_traces.sql).  READ COMMITTED.

CREATE OR REPLACE FUNCTION pingsvc.process_results(p_result_ids bigint[])
RETURNS TABLE (traces integer, hops integer, links integer, new_targets integer, route_changes integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
SET jit = off
AS $$
DECLARE
    v_e record;
    v_d record;
BEGIN
    SELECT * INTO v_e FROM pingsvc.extract_results_ids(p_result_ids);
    IF v_e.traces = 0 THEN
        RETURN QUERY SELECT 0, 0, 0, 0, 0;
        RETURN;
    END IF;
    SELECT * INTO v_d FROM pingsvc.derive_traces(v_e.trace_ids);
    RETURN QUERY SELECT v_e.traces, v_e.hops, v_d.links, v_d.new_targets, v_d.route_changes;
END;
$$;

COMMENT ON FUNCTION pingsvc.process_results(bigint[]) IS
    'Derive traces, hops, links, new hop targets and route changes from the given stored results (traceroutes without a trace yet; others skipped, so it is idempotent), in the caller''s transaction; NOTIFY pingsvc_route_change per new change.  Returns the counts.  Version 4 (0018): extract_results() then derive_traces() of the new traces; traceroutes with "stop_reason": "GSS" (stopped at the global stop set) are stored but kept out of route history and change detection.';

REVOKE ALL ON FUNCTION pingsvc.process_results(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.process_results(bigint[]) TO pingsvc_ingest;
