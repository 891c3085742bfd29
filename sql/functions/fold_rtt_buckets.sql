-- pingsvc.fold_rtt_buckets: add the traces newer than the watermark
-- (rtt_fold_state.folded_to) to rtt_buckets and link_rtt_buckets, and move
-- the watermark.  Returns the number of traces folded.  Each trace is
-- folded exactly once, so the tables equal a full recomputation over all
-- traces with trace_id <= folded_to (tests/sql/59_rtt_buckets.sql checks
-- it); rtt_summary() and link_rtt_summary() add the newer traces on the fly.
--
-- Why two steps: trace ids are taken from a sequence before the writing
-- transaction commits, so a trace with a smaller id may become visible
-- after one with a larger id.  A call therefore folds only up to a bound
-- (pending_to, the largest trace id when an earlier call looked) once every
-- transaction that could hold a smaller id has ended: every transaction
-- older than pending_xid (that call's transaction id, taken after it read
-- the bound) has ended, and at least p_settle has passed (a margin for a
-- caller whose transaction id was taken before it read the bound, like
-- the frontier's maintenance transaction).  process_results() writes
-- traces in the transaction that stored their results, so the writer
-- holds a transaction id before it takes trace ids.  Calling it every few
-- minutes keeps the tables one call behind; maintain_partitions() calls it
-- before dropping anything.  p_settle NULL folds every visible trace at
-- once: only for a database nobody writes to meanwhile (after a bulk
-- import, in tests).
--
-- Concurrency: serialised by the transaction-level advisory lock
-- hashtextextended('pingsvc.rtt_fold', 0): a concurrent call waits, then
-- finds the watermark moved and folds only what is left.  Bucket rows are
-- upserted in key order.  Reads traces and hops (ACCESS SHARE) and blocks
-- no writer.  Safe to call repeatedly: with nothing new it changes nothing.
-- Runs with the caller's rights: pingsvc_frontier (and the owner, through
-- maintain_partitions) may write the bucket tables and the state.

CREATE FUNCTION pingsvc.fold_rtt_buckets(p_settle interval DEFAULT interval '1 minute')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pingsvc
AS $$
DECLARE
    v_st      pingsvc.rtt_fold_state;
    v_upto    bigint;
    v_seen    bigint;
    v_xid     xid8;
    v_n       bigint := 0;
BEGIN
    IF p_settle < interval '0' THEN
        RAISE EXCEPTION 'fold_rtt_buckets: p_settle must not be negative, got %', p_settle
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('pingsvc.rtt_fold', 0));
    SELECT * INTO STRICT v_st FROM pingsvc.rtt_fold_state;

    -- The largest trace id anyone has taken so far, then a transaction id
    -- newer than every transaction that took one of them.
    v_seen := greatest(pg_sequence_last_value('pingsvc.traces_trace_id_seq'::regclass),
                       (SELECT max(t.trace_id) FROM pingsvc.traces t), 0);
    v_xid := pg_current_xact_id();

    v_upto := v_st.folded_to;
    IF p_settle IS NULL THEN
        v_upto := greatest(v_upto, v_seen);
        v_st.pending_to := NULL;
    ELSIF v_st.pending_to IS NOT NULL
          AND v_st.pending_xid < pg_snapshot_xmin(pg_current_snapshot())
          AND v_st.pending_at <= clock_timestamp() - p_settle THEN
        v_upto := v_st.pending_to;
        v_st.pending_to := NULL;
    END IF;
    IF v_st.pending_to IS NULL AND p_settle IS NOT NULL AND v_seen > v_upto THEN
        v_st.pending_to := v_seen;
        v_st.pending_xid := v_xid;
        v_st.pending_at := clock_timestamp();
    END IF;
    IF v_st.pending_to IS NULL THEN
        v_st.pending_xid := NULL;
        v_st.pending_at := NULL;
    END IF;

    IF v_upto > v_st.folded_to THEN
        v_n := pingsvc.fold_rtt_range(v_st.folded_to, v_upto);
    END IF;

    UPDATE pingsvc.rtt_fold_state s
       SET folded_to = v_upto,
           pending_to = v_st.pending_to,
           pending_xid = v_st.pending_xid,
           pending_at = v_st.pending_at,
           folded_at = CASE WHEN v_upto > v_st.folded_to THEN clock_timestamp() ELSE s.folded_at END;
    RETURN v_n;
END;
$$;

COMMENT ON FUNCTION pingsvc.fold_rtt_buckets(interval) IS
    'Fold the traces above the watermark (rtt_fold_state.folded_to) into rtt_buckets and link_rtt_buckets, once every transaction that could still write a smaller trace id has ended (one call later, and at least p_settle later); p_settle NULL folds all visible traces now (quiet database only).  Returns the number of traces folded.  Serialised by an advisory lock; safe to call concurrently and repeatedly.';

REVOKE ALL ON FUNCTION pingsvc.fold_rtt_buckets(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.fold_rtt_buckets(interval) TO pingsvc_frontier;
