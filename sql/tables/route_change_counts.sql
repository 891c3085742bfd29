-- pingsvc.route_change_counts: route changes counted per hour, per kind
-- and per origin AS or country of their changed hops, kept up to date by
-- triggers on route_changes (functions/route_change_counts_apply.sql), so
-- that the viewer's change chart reads a few hundred counters instead of
-- grouping thousands of changes and looking up their addresses on every
-- request.
--
-- A change is counted once in each group its changed hops fall in
-- (changed_hops, else new_path[diverge_ttl .. rejoin_ttl - 1]; the most
-- specific prefix of as_prefixes or geolocations wins), 'unknown' for an
-- address without one or a change without a known address: what the chart
-- computed per request before.  The group is the one known when the change
-- was written; reloading as_prefixes or geolocations does not recount old
-- changes (route_change_counts_rebuild() does).

CREATE TABLE pingsvc.route_change_counts (
    grouped_by    text        NOT NULL CHECK (grouped_by IN ('as', 'country')),
    hour        timestamptz NOT NULL
                            CHECK (hour = date_bin('1 hour', hour, timestamptz '2000-01-01 00:00:00+00')),
    grp         text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('hop', 'length', 'reachability')),
    changes     bigint      NOT NULL CHECK (changes >= 0),
    PRIMARY KEY (grouped_by, hour, grp, kind)
);

COMMENT ON TABLE pingsvc.route_change_counts IS
    'Route changes per hour, kind and origin AS or country of their changed hops; maintained by statement-level triggers on route_changes (insert, update, delete, truncate).';
COMMENT ON COLUMN pingsvc.route_change_counts.grouped_by IS
    'as: grp is the origin AS (''AS'' || asn, as_prefixes); country: grp is the country code (geolocations).';
COMMENT ON COLUMN pingsvc.route_change_counts.hour IS
    'Start of the UTC hour of detected_at.';
COMMENT ON COLUMN pingsvc.route_change_counts.grp IS
    'AS (''AS64500''), country code, or ''unknown'' (an address without a prefix, or no known changed address).';
COMMENT ON COLUMN pingsvc.route_change_counts.kind IS
    'route_changes.kind.';
COMMENT ON COLUMN pingsvc.route_change_counts.changes IS
    'Changes of that hour and kind with a changed hop in that group (a change in two groups counts in both); rows reaching 0 are deleted.';

GRANT SELECT ON pingsvc.route_change_counts
    TO pingsvc_viewer, pingsvc_analyst, pingsvc_frontier;
