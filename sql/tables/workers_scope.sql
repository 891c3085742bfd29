-- pingsvc.workers, migration 0003: scopes, reported capabilities, last result.
--
-- A scope bounds what a worker may do, whatever it says about itself: the
-- job kinds and probe protocols it is handed and may report, the target
-- prefixes, and how many results a minute it may deliver.  The gateway
-- checks it on claim (the claim statement filters by it), on submit (403,
-- or 429 for the rate) and on heartbeat (the reported capabilities are
-- clamped to scope_protos).  Enrolment sets it (pingsvc-ingest enroll
-- --kinds --caps --prefix --rate), pingsvc-ingest scope changes it.

ALTER TABLE pingsvc.workers
    ADD COLUMN scope_kinds    text[]  NOT NULL DEFAULT '{ping,traceroute}'
        CONSTRAINT workers_scope_kinds
        CHECK (scope_kinds <@ ARRAY['ping', 'traceroute'] AND cardinality(scope_kinds) >= 1),
    ADD COLUMN scope_protos   text[]
        CONSTRAINT workers_scope_protos
        CHECK (scope_protos <@ ARRAY['icmp', 'udp', 'tcp']),
    ADD COLUMN scope_prefixes cidr[]
        CONSTRAINT workers_scope_prefixes
        CHECK (cardinality(scope_prefixes) BETWEEN 1 AND 1000
               AND array_position(scope_prefixes, NULL) IS NULL),
    ADD COLUMN rate_per_min   integer
        CONSTRAINT workers_rate_per_min CHECK (rate_per_min BETWEEN 1 AND 100000000),
    ADD COLUMN rate_window    timestamptz,
    ADD COLUMN rate_count     integer NOT NULL DEFAULT 0
        CONSTRAINT workers_rate_count CHECK (rate_count >= 0),
    ADD COLUMN reported_caps  text[]
        CONSTRAINT workers_reported_caps
        CHECK (reported_caps <@ ARRAY['icmp', 'udp', 'tcp']),
    ADD COLUMN last_result_at timestamptz;

-- Workers enrolled before 0003 keep the protocols they had.
UPDATE pingsvc.workers SET scope_protos = caps;

COMMENT ON COLUMN pingsvc.workers.caps IS
    'Probe protocols the worker may use now: what it reported in its last heartbeat (reported_caps) within its enrolled scope_protos; claims hand out only jobs whose required_cap is among them.  A subset of {icmp,udp,tcp}.';
COMMENT ON COLUMN pingsvc.workers.scope_kinds IS
    'Scope: job kinds the worker is handed and may report results of (ping, traceroute).  Set at enrolment or by pingsvc-ingest scope.';
COMMENT ON COLUMN pingsvc.workers.scope_protos IS
    'Scope: probe protocols the worker was enrolled for (subset of {icmp,udp,tcp}); a heartbeat can narrow caps within them, never widen them.  NULL (a worker enrolled otherwise): the caps as enrolled, filled in at its first heartbeat.';
COMMENT ON COLUMN pingsvc.workers.scope_prefixes IS
    'Scope: target prefixes the worker is handed jobs in and may report results for; NULL = any target.';
COMMENT ON COLUMN pingsvc.workers.rate_per_min IS
    'Scope: most new results the worker may deliver per minute (fixed one-minute windows); NULL = no cap.  Over it the gateway answers 429 with Retry-After.';
COMMENT ON COLUMN pingsvc.workers.rate_window IS
    'Start of the current rate-cap window (a whole minute), written by the gateway when rate_per_min is set.';
COMMENT ON COLUMN pingsvc.workers.rate_count IS
    'New results delivered in the window starting at rate_window.';
COMMENT ON COLUMN pingsvc.workers.reported_caps IS
    'Probe protocols the worker reported in its last heartbeat, before clamping to scope_protos; NULL if it never reported any.';
COMMENT ON COLUMN pingsvc.workers.last_result_at IS
    'When the worker last delivered results (a submit with at least one result, stored or duplicate), to at most 5 s; NULL if never.  See pingsvc.silent_workers.';

GRANT UPDATE (scope_kinds, scope_protos, scope_prefixes, rate_per_min,
              rate_window, rate_count, reported_caps, last_result_at)
    ON pingsvc.workers TO pingsvc_ingest;
GRANT SELECT (scope_kinds, scope_protos, scope_prefixes, rate_per_min,
              reported_caps, last_result_at)
    ON pingsvc.workers TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
