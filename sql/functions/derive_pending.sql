-- pingsvc.derive_pending (migration 0018, pipeline v4): derive the oldest
-- queued traces (derive_queue by queued_at, then trace_id), at most
-- p_limit of them, with derive_traces().  For the frontier's periodic
-- cycle and for operators: traces a writer stored and queued without
-- deriving them (or whose derivation was left for later) get derived here.
--
-- SECURITY DEFINER (owned by pingsvc_owner, search_path pinned) so that
-- the frontier may run it without holding the write grants derivation
-- needs (links, targets, flows, route_changes, ...); executable by
-- pingsvc_ingest and pingsvc_frontier only.
--
-- Concurrency: the rows are claimed with FOR UPDATE SKIP LOCKED, so
-- concurrent calls (and concurrent derive_traces() calls) take disjoint
-- traces and never wait on each other's claims; the rest is
-- derive_traces()'s lock order.  Call it in its own transaction, READ
-- COMMITTED, repeatedly while it returns p_limit traces to drain a
-- backlog.

CREATE FUNCTION pingsvc.derive_pending(p_limit integer DEFAULT 10000)
RETURNS TABLE (traces integer, links integer, new_targets integer, route_changes integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pingsvc
AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF p_limit IS NULL OR p_limit < 1 THEN
        RAISE EXCEPTION 'derive_pending: p_limit must be at least 1, got %', p_limit
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(c.trace_id) INTO v_ids
      FROM (SELECT q.trace_id
              FROM pingsvc.derive_queue q
             ORDER BY q.queued_at, q.trace_id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED) AS c;
    RETURN QUERY SELECT * FROM pingsvc.derive_traces(coalesce(v_ids, '{}'));
END;
$$;

COMMENT ON FUNCTION pingsvc.derive_pending(integer) IS
    'Derive the oldest queued traces of derive_queue (by queued_at, at most p_limit, default 10000; claimed FOR UPDATE SKIP LOCKED) with derive_traces(); returns its counts.  For the frontier''s periodic cycle and operators; SECURITY DEFINER, executable by pingsvc_ingest and pingsvc_frontier.';

REVOKE ALL ON FUNCTION pingsvc.derive_pending(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.derive_pending(integer) TO pingsvc_ingest, pingsvc_frontier;
