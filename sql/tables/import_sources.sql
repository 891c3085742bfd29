-- pingsvc.import_sources: one row per bootstrap list the frontier imported
-- (a file path or a URL), with what the last import found.  For URLs it
-- will also hold the HTTP validators (ETag, Last-Modified) so that a refresh
-- of an unchanged list costs one conditional request.

CREATE TABLE pingsvc.import_sources (
    source          text        PRIMARY KEY CHECK (length(source) BETWEEN 1 AND 2000),
    format          text        NOT NULL CHECK (format ~ '^[a-z0-9]{1,32}$'),
    provider        text        NOT NULL CHECK (length(provider) BETWEEN 1 AND 200),
    etag            text        CHECK (length(etag) <= 1000),
    last_modified   text        CHECK (length(last_modified) <= 100),
    last_import     timestamptz NOT NULL DEFAULT now(),
    addresses       integer     NOT NULL CHECK (addresses >= 0),
    added           integer     NOT NULL CHECK (added >= 0)
);

COMMENT ON TABLE pingsvc.import_sources IS
    'Bootstrap lists imported by pingsvc-frontier import: path or URL, format, provider, HTTP validators and the counts of the last import.';
COMMENT ON COLUMN pingsvc.import_sources.source IS
    'The file path or URL given to the import command.';
COMMENT ON COLUMN pingsvc.import_sources.format IS
    'Importer format: aws, gcp, azure, oracle, list, geofeed.';
COMMENT ON COLUMN pingsvc.import_sources.provider IS
    'Provider name stored as targets.source_detail.';
COMMENT ON COLUMN pingsvc.import_sources.etag IS
    'ETag of the last fetched URL (If-None-Match of the next fetch); NULL for files.';
COMMENT ON COLUMN pingsvc.import_sources.last_modified IS
    'Last-Modified of the last fetched URL (If-Modified-Since of the next fetch); NULL for files.';
COMMENT ON COLUMN pingsvc.import_sources.last_import IS
    'When the source was last imported.';
COMMENT ON COLUMN pingsvc.import_sources.addresses IS
    'Representative addresses the last import derived from the source (before the safety filter).';
COMMENT ON COLUMN pingsvc.import_sources.added IS
    'Targets the last import added (new addresses).';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.import_sources TO pingsvc_frontier;
