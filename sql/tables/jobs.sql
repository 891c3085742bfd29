-- pingsvc.jobs: the work queue.
--
-- The frontier inserts 'ready' jobs; a gateway leases a batch to a worker
-- (state 'leased', FOR UPDATE SKIP LOCKED over jobs_claimable_idx), and the
-- worker's result makes it 'done'.  A lease that expires unreported returns
-- the job to 'ready' until max_attempts, then 'failed'.  The CHECKs make
-- every state carry exactly the columns it needs.

CREATE TABLE pingsvc.jobs (
    job_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('ping', 'traceroute')),
    target          inet        NOT NULL
                                CONSTRAINT jobs_target_host
                                CHECK (pingsvc.is_host_address(target)),
    proto           text        NOT NULL CHECK (proto IN ('icmp', 'udp', 'tcp')),
    port            integer     CHECK (port BETWEEN 1 AND 65535),
    paris_id        integer     CHECK (paris_id BETWEEN 0 AND 65535),
    params          jsonb       NOT NULL DEFAULT '{}'
                                CHECK (jsonb_typeof(params) = 'object'),
    required_cap    text        NOT NULL CHECK (required_cap IN ('icmp', 'udp', 'tcp')),
    state           text        NOT NULL DEFAULT 'ready'
                                CHECK (state IN ('ready', 'leased', 'done', 'failed')),
    priority        integer     NOT NULL DEFAULT 0
                                CHECK (priority BETWEEN -1000 AND 1000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    not_before      timestamptz NOT NULL DEFAULT now(),
    worker_id       bigint      REFERENCES pingsvc.workers (worker_id),
    leased_at       timestamptz,
    lease_expires   timestamptz,
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer     NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
    done_at         timestamptz,
    last_error      text        CHECK (length(last_error) <= 2000),
    CONSTRAINT jobs_ping_proto
        CHECK (kind <> 'ping' OR proto IN ('icmp', 'tcp')),
    CONSTRAINT jobs_tcp_port
        CHECK (proto <> 'tcp' OR port IS NOT NULL),
    CONSTRAINT jobs_attempts_bound
        CHECK (attempts <= max_attempts),
    CONSTRAINT jobs_ready_unleased
        CHECK (state <> 'ready' OR (lease_expires IS NULL AND leased_at IS NULL AND done_at IS NULL)),
    CONSTRAINT jobs_leased_complete
        CHECK (state <> 'leased'
               OR (worker_id IS NOT NULL AND leased_at IS NOT NULL
                   AND lease_expires IS NOT NULL AND lease_expires > leased_at
                   AND done_at IS NULL)),
    CONSTRAINT jobs_done_complete
        CHECK (state <> 'done' OR (worker_id IS NOT NULL AND done_at IS NOT NULL)),
    CONSTRAINT jobs_failed_complete
        CHECK (state <> 'failed' OR done_at IS NOT NULL)
);

CREATE INDEX jobs_claimable_idx ON pingsvc.jobs (priority DESC, job_id)
    WHERE state = 'ready';
CREATE INDEX jobs_lease_expires_idx ON pingsvc.jobs (lease_expires)
    WHERE state = 'leased';
CREATE INDEX jobs_open_target_idx ON pingsvc.jobs (target)
    WHERE state IN ('ready', 'leased');
CREATE INDEX jobs_worker_idx ON pingsvc.jobs (worker_id)
    WHERE worker_id IS NOT NULL;

COMMENT ON TABLE pingsvc.jobs IS
    'Work queue: one ping or traceroute of one target; ready -> leased -> done, or back to ready when a lease expires, failed after max_attempts.';
COMMENT ON COLUMN pingsvc.jobs.job_id IS
    'Job number; workers echo it in their results.';
COMMENT ON COLUMN pingsvc.jobs.kind IS
    'ping or traceroute.';
COMMENT ON COLUMN pingsvc.jobs.target IS
    'Address to probe (a host address).';
COMMENT ON COLUMN pingsvc.jobs.proto IS
    'Probe protocol: icmp, udp (traceroute only) or tcp.';
COMMENT ON COLUMN pingsvc.jobs.port IS
    'Destination port for tcp (required) and udp probes.';
COMMENT ON COLUMN pingsvc.jobs.paris_id IS
    'Paris traceroute flow identifier (0..65535): probes of one paris_id follow one path through per-flow load balancers.';
COMMENT ON COLUMN pingsvc.jobs.params IS
    'Further probe parameters as a JSON object (count, size, first/max hop, timeouts), as the job format in lib/ defines them.';
COMMENT ON COLUMN pingsvc.jobs.required_cap IS
    'Capability a worker needs to take the job (one of workers.caps); usually equal to proto.';
COMMENT ON COLUMN pingsvc.jobs.state IS
    'ready (claimable from not_before), leased (a worker holds it until lease_expires), done, failed (gave up after max_attempts).';
COMMENT ON COLUMN pingsvc.jobs.priority IS
    'Higher is claimed first (-1000..1000); ties go to the older job.';
COMMENT ON COLUMN pingsvc.jobs.created_at IS
    'When the frontier made the job.';
COMMENT ON COLUMN pingsvc.jobs.not_before IS
    'The job may not be claimed before this time.';
COMMENT ON COLUMN pingsvc.jobs.worker_id IS
    'Worker holding the lease (leased), that did the job (done), or that last held it.';
COMMENT ON COLUMN pingsvc.jobs.leased_at IS
    'When the current lease was granted.';
COMMENT ON COLUMN pingsvc.jobs.lease_expires IS
    'When the current lease ends; an unreported job then becomes ready again.';
COMMENT ON COLUMN pingsvc.jobs.attempts IS
    'How many times the job was leased.';
COMMENT ON COLUMN pingsvc.jobs.max_attempts IS
    'Leases allowed before the job is marked failed.';
COMMENT ON COLUMN pingsvc.jobs.done_at IS
    'When the job became done or failed.';
COMMENT ON COLUMN pingsvc.jobs.last_error IS
    'Why the last attempt failed (lease expired, worker error), if it did.';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.jobs TO pingsvc_frontier;
GRANT SELECT ON pingsvc.jobs TO pingsvc_ingest, pingsvc_viewer, pingsvc_analyst;
GRANT UPDATE (state, worker_id, leased_at, lease_expires, attempts, done_at, last_error)
    ON pingsvc.jobs TO pingsvc_ingest;
