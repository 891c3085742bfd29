-- AS-level paths beside the IP-level ones (0009): the AS path (as_path():
-- origin AS per answering hop, unknown ones and `*` skipped, repeats
-- collapsed) of every path in a flow's history and of both sides of every
-- route change, so that AS-level history and AS-level changes are queried
-- without re-resolving addresses.  NULL while as_prefixes holds no data
-- (and for rows written before 0009).  Written by process_results().

ALTER TABLE pingsvc.flow_paths ADD COLUMN as_path bigint[];
COMMENT ON COLUMN pingsvc.flow_paths.as_path IS
    'AS path of this path (as_path(): origin AS per answering hop, unknown and * skipped, repeats collapsed); NULL without AS data or for rows written before 0009.  Recomputed only when the path itself changes (a * filled in).';

ALTER TABLE pingsvc.route_changes ADD COLUMN old_as_path bigint[];
ALTER TABLE pingsvc.route_changes ADD COLUMN new_as_path bigint[];
COMMENT ON COLUMN pingsvc.route_changes.old_as_path IS
    'AS path of old_path (as_path()); NULL without AS data or for changes recorded before 0009.';
COMMENT ON COLUMN pingsvc.route_changes.new_as_path IS
    'AS path of new_path (as_path()); NULL without AS data or for changes recorded before 0009.  as_changed = old_as_path IS DISTINCT FROM new_as_path.';
