-- pingsvc.allowed_ranges: special-purpose ranges an operator explicitly
-- permits as targets (the network lab's 198.18.0.0/15, say).  The SQL
-- counterpart of the worker's --allow: a range listed here overrides
-- pingsvc.special_ranges, never pingsvc.opt_outs.  Empty by default.

CREATE TABLE pingsvc.allowed_ranges (
    prefix      cidr        PRIMARY KEY,
    reason      text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX allowed_ranges_prefix_gist ON pingsvc.allowed_ranges USING gist (prefix inet_ops);

COMMENT ON TABLE pingsvc.allowed_ranges IS
    'Ranges explicitly permitted as targets although special_ranges lists them (e.g. the lab''s 198.18.0.0/15); opt_outs still win.  Empty by default.';
COMMENT ON COLUMN pingsvc.allowed_ranges.prefix IS
    'The permitted range.';
COMMENT ON COLUMN pingsvc.allowed_ranges.reason IS
    'Why it is permitted (who asked, which test bed).';
COMMENT ON COLUMN pingsvc.allowed_ranges.created_at IS
    'When the row was added.';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.allowed_ranges TO pingsvc_frontier;
