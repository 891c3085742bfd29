-- pingsvc.partition_config: which tables are partitioned by time, and how.
-- Read by ensure_partitions() and maintain_partitions().

CREATE TABLE pingsvc.partition_config (
    parent      text        PRIMARY KEY CHECK (parent ~ '^[a-z_][a-z0-9_]{0,40}$'),
    granularity interval    NOT NULL DEFAULT '1 day'
                            CHECK (granularity IN ('1 day', '7 days', '1 mon')),
    premake     integer     NOT NULL DEFAULT 7 CHECK (premake BETWEEN 1 AND 90),
    retention   interval    CHECK (retention >= '1 day'),
    -- A shorter retention would drop what maintain_partitions() just made.
    CONSTRAINT partition_config_retention_granularity
        CHECK (retention >= granularity)
);

COMMENT ON TABLE pingsvc.partition_config IS
    'Time-partitioned tables of schema pingsvc: partition size, how far ahead to make partitions, how long to keep them.';
COMMENT ON COLUMN pingsvc.partition_config.parent IS
    'Name of a table in schema pingsvc partitioned by RANGE (ts).';
COMMENT ON COLUMN pingsvc.partition_config.granularity IS
    'Range of one partition: 1 day, 7 days (weeks from Monday) or 1 mon; boundaries are at midnight UTC.';
COMMENT ON COLUMN pingsvc.partition_config.premake IS
    'maintain_partitions() keeps this many partitions (1..90) ready beyond the current one.';
COMMENT ON COLUMN pingsvc.partition_config.retention IS
    'Partitions whose whole range is older than now() - retention are dropped; NULL keeps them forever.';

INSERT INTO pingsvc.partition_config (parent, granularity, premake, retention) VALUES
    ('results', '1 day', 7, '180 days'),
    ('traces',  '1 day', 7, NULL),
    ('hops',    '1 day', 7, NULL);

GRANT SELECT ON pingsvc.partition_config
    TO pingsvc_ingest, pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
