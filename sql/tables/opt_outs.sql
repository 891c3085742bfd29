-- pingsvc.opt_outs: prefixes whose operators asked not to be probed.
-- Addresses inside never become targets (hop feedback checks it) and the
-- frontier must not make jobs for them.  Nothing overrides an opt-out.

CREATE TABLE pingsvc.opt_outs (
    prefix      cidr        PRIMARY KEY,
    contact     text        CHECK (length(contact) BETWEEN 1 AND 200),
    reason      text        CHECK (length(reason) BETWEEN 1 AND 1000),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX opt_outs_prefix_gist ON pingsvc.opt_outs USING gist (prefix inet_ops);

COMMENT ON TABLE pingsvc.opt_outs IS
    'Prefixes whose operators opted out of probing: never targets, whatever allowed_ranges says.';
COMMENT ON COLUMN pingsvc.opt_outs.prefix IS
    'The opted-out range (a /32 or /128 for one address).';
COMMENT ON COLUMN pingsvc.opt_outs.contact IS
    'Who asked (mail address, ticket), if recorded.';
COMMENT ON COLUMN pingsvc.opt_outs.reason IS
    'Why, in the requester''s words, if given.';
COMMENT ON COLUMN pingsvc.opt_outs.created_at IS
    'When the opt-out was recorded.';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.opt_outs TO pingsvc_frontier;
