-- pingsvc.workers.location: workers do not report where they stand (the
-- worker configuration has no location key, the heartbeat carries none), so
-- the operator records it with `pingsvc-frontier worker-location`; the
-- frontier role may write those two columns and nothing else of a worker.

GRANT UPDATE (location, location_label) ON pingsvc.workers TO pingsvc_frontier;

COMMENT ON COLUMN pingsvc.workers.location IS
    'Where the worker stands (WGS 84 point), if known; set by the operator (pingsvc-frontier worker-location).  Vantage of RTT-constraint estimates.';

