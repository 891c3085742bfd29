-- pingsvc.result_keys: the idempotency registry of results.
--
-- A partitioned table cannot enforce a uniqueness that leaves out its
-- partition key, so "each key stored once" lives here, unpartitioned: the
-- gateway inserts the key first (ON CONFLICT DO NOTHING) and stores the
-- result only when the key was new, in the same transaction.  Keys of our
-- workers live in namespace 'worker:<worker_id>', imported keys in the
-- importer's namespace (e.g. 'atlas').  maintain_partitions() deletes the
-- keys of results partitions it drops.

CREATE TABLE pingsvc.result_keys (
    namespace   text        NOT NULL
                            CHECK (namespace ~ '^[a-z][a-z0-9_]*(:[A-Za-z0-9._-]+)?$'
                                   AND length(namespace) <= 100),
    idem_key    text        NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
    result_id   bigint      NOT NULL,
    ts          timestamptz NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, idem_key)
);

CREATE INDEX result_keys_ts_idx ON pingsvc.result_keys (ts);

COMMENT ON TABLE pingsvc.result_keys IS
    'Idempotency keys of stored results: a re-submitted result finds its key here and is answered as stored, not stored twice.';
COMMENT ON COLUMN pingsvc.result_keys.namespace IS
    'Whose key it is: ''worker:<worker_id>'' for our workers, the importer''s name (e.g. ''atlas'') for imported results.';
COMMENT ON COLUMN pingsvc.result_keys.idem_key IS
    'The idempotency key, unique within its namespace.';
COMMENT ON COLUMN pingsvc.result_keys.result_id IS
    'The stored result (pingsvc.results.result_id).';
COMMENT ON COLUMN pingsvc.result_keys.ts IS
    'Measurement time of the stored result, to find its partition.';
COMMENT ON COLUMN pingsvc.result_keys.stored_at IS
    'When the key (and its result) was first stored.';

GRANT SELECT, INSERT ON pingsvc.result_keys TO pingsvc_ingest;
GRANT SELECT ON pingsvc.result_keys TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
