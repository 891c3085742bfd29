-- pingsvc.workers: the vantage points that may claim jobs and submit results.
--
-- A worker is identified by its bearer token, stored only as a sha256 hash.
-- Nobody but pingsvc_owner and pingsvc_ingest may read token_hash (column
-- privileges below).

CREATE TABLE pingsvc.workers (
    worker_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL UNIQUE
                                CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    token_hash      bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    caps            text[]      NOT NULL DEFAULT '{}'
                                CHECK (caps <@ ARRAY['icmp', 'udp', 'tcp']),
    enabled         boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    last_seen       timestamptz,
    version         text        CHECK (length(version) BETWEEN 1 AND 64),
    spool_depth     integer     NOT NULL DEFAULT 0 CHECK (spool_depth >= 0),
    clock_offset_ms double precision
                                CHECK (abs(clock_offset_ms) <= 31622400000),
    location        public.geography(Point, 4326),
    location_label  text        CHECK (length(location_label) BETWEEN 1 AND 200),
    CONSTRAINT workers_revoked_disabled
        CHECK (revoked_at IS NULL OR (NOT enabled AND revoked_at >= created_at))
);

COMMENT ON TABLE pingsvc.workers IS
    'Enrolled measurement workers (vantage points).  Revoked workers stay, disabled, so their results keep a name.';
COMMENT ON COLUMN pingsvc.workers.worker_id IS
    'Worker number, assigned at enrolment.';
COMMENT ON COLUMN pingsvc.workers.name IS
    'Unique worker name, 1-63 of [A-Za-z0-9._-], not starting with . _ or -; it is the vantage of the worker''s traces.';
COMMENT ON COLUMN pingsvc.workers.token_hash IS
    'sha256 of the worker''s bearer token (32 bytes).  The token itself is shown once at enrolment and never stored.  Readable only by pingsvc_owner and pingsvc_ingest.';
COMMENT ON COLUMN pingsvc.workers.caps IS
    'Probe protocols the worker can send: a subset of {icmp,udp,tcp} (ICMP and UDP/TCP traceroute need CAP_NET_RAW).';
COMMENT ON COLUMN pingsvc.workers.enabled IS
    'False: the gateway refuses the worker''s token and hands it no jobs.';
COMMENT ON COLUMN pingsvc.workers.created_at IS
    'When the worker was enrolled.';
COMMENT ON COLUMN pingsvc.workers.revoked_at IS
    'When the worker''s token was revoked (then enabled is false); NULL if never.';
COMMENT ON COLUMN pingsvc.workers.last_seen IS
    'Time of the last authenticated request (claim, submit or heartbeat) from the worker.';
COMMENT ON COLUMN pingsvc.workers.version IS
    'Software version the worker reported in its last heartbeat.';
COMMENT ON COLUMN pingsvc.workers.spool_depth IS
    'Results waiting in the worker''s on-disk spool at its last heartbeat (0 when all delivered).';
COMMENT ON COLUMN pingsvc.workers.clock_offset_ms IS
    'Worker clock minus gateway clock at the last heartbeat, in milliseconds (positive: the worker is ahead).';
COMMENT ON COLUMN pingsvc.workers.location IS
    'Where the worker stands (WGS 84 point), if known.';
COMMENT ON COLUMN pingsvc.workers.location_label IS
    'Human-readable place of the worker, e.g. ''Frankfurt, DE''.';

GRANT SELECT, INSERT ON pingsvc.workers TO pingsvc_ingest;
GRANT UPDATE (last_seen, version, spool_depth, clock_offset_ms, caps,
              location, location_label, enabled, revoked_at)
    ON pingsvc.workers TO pingsvc_ingest;
GRANT SELECT (worker_id, name, caps, enabled, created_at, revoked_at, last_seen,
              version, spool_depth, clock_offset_ms, location, location_label)
    ON pingsvc.workers TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
