-- Indexes that keep every viewer page bounded on a large database
-- (tests/bench/viewer: 2,000,000 traces, 29 million hops).  Each names the
-- page query it serves; all are plain B-trees, maintained by the writers
-- (gateway, frontier) at the cost of one more index entry per row.

-- Worker page (latest traces of a vantage, newest first) and the graph and
-- map pages with a vantage: the latest trace of each flow is found from
-- this index alone (it carries the flow key and the trace id), so no path
-- is read for the traces that are not drawn.
CREATE INDEX traces_vantage_ts_idx ON pingsvc.traces (vantage, ts)
    INCLUDE (target, proto, paris_id, trace_id);
COMMENT ON INDEX pingsvc.traces_vantage_ts_idx IS
    'Viewer: a vantage''s traces by time, covering the flow key and trace id (latest trace per flow without reading paths).';

-- Map page without a filter: the newest traces before 'at'.
CREATE INDEX traces_ts_idx ON pingsvc.traces (ts);
COMMENT ON INDEX pingsvc.traces_ts_idx IS
    'Viewer: the newest traces before a time (map page without a filter).';

-- Target page: RTT of an address over a day, read from the index alone;
-- a router on many paths has hundreds of thousands of hop rows.
CREATE INDEX hops_address_ts_idx ON pingsvc.hops (address, ts) INCLUDE (rtt_ms);
COMMENT ON INDEX pingsvc.hops_address_ts_idx IS
    'Viewer: the replies of one address in a time window, with their RTT (index-only).';

-- Overview (results per minute over the last hour) and worker page
-- (results per hour of one worker over the last day).
CREATE INDEX results_ts_idx ON pingsvc.results (ts);
COMMENT ON INDEX pingsvc.results_ts_idx IS
    'Viewer: results in a time window (results per minute).';
CREATE INDEX results_worker_ts_idx ON pingsvc.results (worker_id, ts)
    WHERE worker_id IS NOT NULL;
COMMENT ON INDEX pingsvc.results_worker_ts_idx IS
    'Viewer: one worker''s results in a time window (results per hour).';

-- Overview: targets discovered from hops over time.
CREATE INDEX targets_hop_first_seen_idx ON pingsvc.targets (first_seen)
    WHERE source = 'hop';
COMMENT ON INDEX pingsvc.targets_hop_first_seen_idx IS
    'Viewer: hop-discovered targets by first_seen (cumulative discovery chart).';

-- Overview: jobs finished in the last day (done jobs accumulate; the open
-- ones have the partial indexes of jobs.sql).
CREATE INDEX jobs_finished_idx ON pingsvc.jobs (state, done_at)
    WHERE state IN ('done', 'failed');
COMMENT ON INDEX pingsvc.jobs_finished_idx IS
    'Viewer: jobs done or failed in a time window (overview queue counts).';
