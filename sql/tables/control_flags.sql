-- pingsvc.control_flags: switches the operators flip from the viewer's
-- control page.  One row per flag; 'scheduling_paused' stops the frontier
-- from making new jobs (it asks pingsvc.scheduling_paused()).

CREATE TABLE pingsvc.control_flags (
    name        text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    enabled     boolean     NOT NULL DEFAULT false,
    description text        NOT NULL CHECK (length(description) BETWEEN 1 AND 1000),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        CHECK (length(updated_by) <= 200)
);

COMMENT ON TABLE pingsvc.control_flags IS
    'Operator switches set from the viewer''s control page (scheduling_paused, ...), one row per flag.';
COMMENT ON COLUMN pingsvc.control_flags.name IS
    'Flag name, lower_snake_case.';
COMMENT ON COLUMN pingsvc.control_flags.enabled IS
    'Whether the flag is set.';
COMMENT ON COLUMN pingsvc.control_flags.description IS
    'What setting the flag does.';
COMMENT ON COLUMN pingsvc.control_flags.updated_at IS
    'When the flag was last set or cleared.';
COMMENT ON COLUMN pingsvc.control_flags.updated_by IS
    'Who last set or cleared it (viewer REMOTE_USER); NULL for the initial row.';

INSERT INTO pingsvc.control_flags (name, enabled, description)
VALUES ('scheduling_paused', false,
        'When set, the frontier makes no new jobs; leased jobs still complete.');
