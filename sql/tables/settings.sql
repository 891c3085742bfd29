-- pingsvc.settings: tunable parameters of the SQL side, one row per name.
--
-- Read by process_results() at each call (route_change_k), so a change takes
-- effect for the next batch.  Values are text, checked per name below.

CREATE TABLE pingsvc.settings (
    name        text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    value       text        NOT NULL CHECK (length(value) BETWEEN 1 AND 1000),
    description text        NOT NULL CHECK (length(description) BETWEEN 1 AND 1000),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT settings_route_change_k
        CHECK (name <> 'route_change_k' OR value ~ '^([1-9]|[1-9][0-9])$')
);

COMMENT ON TABLE pingsvc.settings IS
    'Tunable parameters of the database side (route change detection, ...), one row per name.';
COMMENT ON COLUMN pingsvc.settings.name IS
    'Parameter name, lower_snake_case.';
COMMENT ON COLUMN pingsvc.settings.value IS
    'Parameter value as text (route_change_k: an integer 1..99).';
COMMENT ON COLUMN pingsvc.settings.description IS
    'What the parameter does.';
COMMENT ON COLUMN pingsvc.settings.updated_at IS
    'When the value was last set.';

INSERT INTO pingsvc.settings (name, value, description)
VALUES ('route_change_k', '2',
        'K of ROUTE-CHANGES.md: consecutive traces that must match a candidate path (and not the current one) before it counts as a lasting route change.');

GRANT SELECT, UPDATE (value, updated_at) ON pingsvc.settings TO pingsvc_frontier;
