-- pingsvc.derive_queue: traces stored but not yet derived (pipeline v4,
-- migration 0018).
--
-- Derivation (links, link_rtt_daily, hop feedback, route history and
-- change detection) reads rows of traces and hops, not JSON bodies, so it
-- is a stage of its own: whoever stores a trace -- extract_results() from
-- JSON results, or the gateway with COPY of traces and hops rows it built
-- itself -- also stores (trace_id, ts, detect) here in the same
-- transaction, and derive_traces() (by id, usually right after) or
-- derive_pending() (the oldest, from the frontier's periodic cycle)
-- removes the row when it derives the trace.  A row is taken with
-- FOR UPDATE SKIP LOCKED and deleted, so each trace is derived once.
-- Unpartitioned and small: it holds only what is waiting.

CREATE TABLE pingsvc.derive_queue (
    trace_id    bigint      NOT NULL,
    ts          timestamptz NOT NULL,
    queued_at   timestamptz NOT NULL DEFAULT now(),
    detect      boolean     NOT NULL DEFAULT true,
    PRIMARY KEY (trace_id, ts)
);

CREATE INDEX derive_queue_queued_idx ON pingsvc.derive_queue (queued_at, trace_id);

COMMENT ON TABLE pingsvc.derive_queue IS
    'Traces stored in traces/hops but not yet derived (links, link_rtt_daily, hop feedback, route-change detection); derive_traces() and derive_pending() remove what they derive.  Writers fill trace_id, ts and detect (queued_at defaults to now()).';
COMMENT ON COLUMN pingsvc.derive_queue.trace_id IS
    'The trace waiting (pingsvc.traces.trace_id, same ts); its hops rows must be stored too.';
COMMENT ON COLUMN pingsvc.derive_queue.ts IS
    'The trace''s ts (pingsvc.traces.ts), so the trace and its hops are found in their partition.';
COMMENT ON COLUMN pingsvc.derive_queue.queued_at IS
    'When it was queued (default now()); derive_pending() takes the oldest first.';
COMMENT ON COLUMN pingsvc.derive_queue.detect IS
    'Whether route-change detection sees the trace: false for a traceroute stopped at the global stop set (result body "stop_reason": "GSS", a partial observation); its links and hop feedback are derived all the same.  Default true.';

-- UPDATE of one column only because FOR UPDATE SKIP LOCKED requires it;
-- nothing updates queue rows.
GRANT SELECT, INSERT, DELETE ON pingsvc.derive_queue TO pingsvc_ingest;
GRANT UPDATE (queued_at) ON pingsvc.derive_queue TO pingsvc_ingest;
GRANT SELECT ON pingsvc.derive_queue TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
