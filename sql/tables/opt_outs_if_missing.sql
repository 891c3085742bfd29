-- pingsvc.opt_outs, made here only when no earlier migration made it
-- (0002_routes defines the same table with the same columns).  The
-- frontier's opt-out command and scheduler need it either way.

DO $optouts$
BEGIN
    IF to_regclass('pingsvc.opt_outs') IS NOT NULL THEN
        RETURN;
    END IF;
    CREATE TABLE pingsvc.opt_outs (
        prefix      cidr        PRIMARY KEY,
        contact     text        CHECK (length(contact) BETWEEN 1 AND 200),
        reason      text        CHECK (length(reason) BETWEEN 1 AND 1000),
        created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX opt_outs_prefix_gist ON pingsvc.opt_outs USING gist (prefix inet_ops);
    COMMENT ON TABLE pingsvc.opt_outs IS
        'Prefixes whose operators opted out of probing: never targets.';
    COMMENT ON COLUMN pingsvc.opt_outs.prefix IS
        'The opted-out range (a /32 or /128 for one address).';
    COMMENT ON COLUMN pingsvc.opt_outs.contact IS
        'Who asked (mail address, ticket), if recorded.';
    COMMENT ON COLUMN pingsvc.opt_outs.reason IS
        'Why, in the requester''s words, if given.';
    COMMENT ON COLUMN pingsvc.opt_outs.created_at IS
        'When the opt-out was recorded.';
    GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.opt_outs TO pingsvc_frontier;
END
$optouts$;
