-- pingsvc.route_change_counts: route changes counted per hour, kind and
-- set of changed hops, kept up to date by triggers on route_changes
-- (functions/route_change_counts_apply.sql), so that the viewer's change
-- chart reads a few counters per hour instead of every change of its
-- period.
--
-- The changed hops of a change are changed_hops, else new_path[diverge_ttl
-- .. rejoin_ttl - 1], as a sorted set of addresses without '*'.  They are
-- kept as addresses, not as the origin AS or country they fall in, because
-- as_prefixes and geolocations are reloaded and re-estimated all the time:
-- the chart maps each distinct address of its period to its AS or country
-- when it draws (the most specific prefix wins, 'unknown' without one), so
-- its groups are always those of the current tables, as the change list's
-- are.  Changes of one hour and kind often share their changed hops (one
-- router moving many flows): 26,672 changes make 2,048 rows in the
-- benchmark's database.

CREATE TABLE pingsvc.route_change_counts (
    hour        timestamptz NOT NULL
                            CHECK (hour = date_bin('1 hour', hour, timestamptz '2000-01-01 00:00:00+00')),
    kind        text        NOT NULL CHECK (kind IN ('hop', 'length', 'reachability')),
    hops        inet[]      NOT NULL CHECK (array_position(hops, NULL) IS NULL),
    changes     bigint      NOT NULL CHECK (changes >= 0),
    PRIMARY KEY (hour, kind, hops)
);

COMMENT ON TABLE pingsvc.route_change_counts IS
    'Route changes per hour, kind and set of changed hops; maintained by statement-level triggers on route_changes (insert, update, delete, truncate).';
COMMENT ON COLUMN pingsvc.route_change_counts.hour IS
    'Start of the UTC hour of detected_at.';
COMMENT ON COLUMN pingsvc.route_change_counts.kind IS
    'route_changes.kind.';
COMMENT ON COLUMN pingsvc.route_change_counts.hops IS
    'The changed hops (changed_hops, else new_path[diverge_ttl .. rejoin_ttl - 1]): distinct addresses, sorted, without NULLs; empty when none is known.';
COMMENT ON COLUMN pingsvc.route_change_counts.changes IS
    'Changes of that hour and kind with those changed hops; 0 after the changes were updated or deleted (readers skip such rows; route_change_counts_rebuild() drops them).';

GRANT SELECT ON pingsvc.route_change_counts
    TO pingsvc_viewer, pingsvc_analyst, pingsvc_frontier;
-- The triggers on route_changes run as the role writing the changes.
GRANT SELECT, INSERT, UPDATE ON pingsvc.route_change_counts TO pingsvc_ingest;
