-- pingsvc.as_route_changes: AS-level route changes as their own event
-- stream, one row per change of a flow's AS path (kind 'as').
--
-- ROUTE-CHANGES.md keeps route_changes.kind to the IP level (hop, length,
-- reachability) and records an AS-level difference beside it (as_changed,
-- old_as_path, new_as_path, 0009).  This view is that AS-level history read
-- on its own: the lasting IP-level changes whose AS path changed, with when
-- the old AS path had come in force (the flow's previous AS-level change),
-- the ASes that appeared and disappeared, and the IP-level change that
-- carried it (change_id, ip_kind).  So an AS-level change is, like an
-- IP-level one, confirmed by K traces (never a transient), and a `*` filled
-- in later is no change.  Flows whose changes were recorded without AS data
-- (as_changed NULL) have no rows.  A LISTENer of pingsvc_route_change reads
-- the AS-level ones with WHERE change_id = <payload>.
--
-- A plain read of route_changes: filters on detected_at, target or
-- change_id reach its indexes; old_as_since (the previous AS-level change,
-- walking the index on (vantage, target, proto, paris_id, detected_at)
-- backwards; a flow's changes have distinct detected_at, the ts of
-- distinct fed traces) and the AS lists are computed only for rows that
-- select them.

CREATE VIEW pingsvc.as_route_changes AS
SELECT c.change_id, c.vantage, c.target, c.proto, c.paris_id,
       'as'::text                                   AS kind,
       c.detected_at, c.last_old_at,
       CASE WHEN c.paris_id IS NULL
            THEN (SELECT p.detected_at
                    FROM pingsvc.route_changes p
                   WHERE p.vantage = c.vantage AND p.target = c.target AND p.proto = c.proto
                     AND p.paris_id IS NULL AND p.detected_at < c.detected_at AND p.as_changed
                   ORDER BY p.detected_at DESC
                   LIMIT 1)
            ELSE (SELECT p.detected_at
                    FROM pingsvc.route_changes p
                   WHERE p.vantage = c.vantage AND p.target = c.target AND p.proto = c.proto
                     AND p.paris_id = c.paris_id AND p.detected_at < c.detected_at AND p.as_changed
                   ORDER BY p.detected_at DESC
                   LIMIT 1) END                     AS old_as_since,
       c.old_as_path, c.new_as_path,
       ARRAY(SELECT u.asn FROM unnest(c.new_as_path) WITH ORDINALITY AS u(asn, n)
              WHERE u.asn <> ALL (coalesce(c.old_as_path, '{}')) ORDER BY u.n) AS as_added,
       ARRAY(SELECT u.asn FROM unnest(c.old_as_path) WITH ORDINALITY AS u(asn, n)
              WHERE u.asn <> ALL (coalesce(c.new_as_path, '{}')) ORDER BY u.n) AS as_removed,
       c.kind                                       AS ip_kind,
       c.diverge_ttl, c.old_path, c.new_path
  FROM pingsvc.route_changes c
 WHERE c.as_changed;

COMMENT ON VIEW pingsvc.as_route_changes IS
    'AS-level route changes (kind ''as''): one row per lasting route change of a flow that changed its AS path, with the old and new AS paths, when the old one had come in force, the ASes added and removed, and the IP-level change behind it.';
COMMENT ON COLUMN pingsvc.as_route_changes.change_id IS 'The IP-level change that carried it (pingsvc.route_changes.change_id; the payload of its NOTIFY pingsvc_route_change).';
COMMENT ON COLUMN pingsvc.as_route_changes.vantage IS 'Worker name or ''atlas:<prb_id>''.';
COMMENT ON COLUMN pingsvc.as_route_changes.target IS 'Destination of the flow.';
COMMENT ON COLUMN pingsvc.as_route_changes.proto IS 'Probe protocol of the flow.';
COMMENT ON COLUMN pingsvc.as_route_changes.paris_id IS 'Paris id of the flow.';
COMMENT ON COLUMN pingsvc.as_route_changes.kind IS 'Always ''as'': an AS-level route change.';
COMMENT ON COLUMN pingsvc.as_route_changes.detected_at IS 'ts of the first trace on the new path.';
COMMENT ON COLUMN pingsvc.as_route_changes.last_old_at IS 'ts of the last trace on the old path (the change happened between last_old_at and detected_at).';
COMMENT ON COLUMN pingsvc.as_route_changes.old_as_since IS 'detected_at of the flow''s previous AS-level change (when the old AS path came in force); NULL if none is recorded.';
COMMENT ON COLUMN pingsvc.as_route_changes.old_as_path IS 'AS path before the change (as_path(): origin AS per answering hop, unknown and * skipped, repeats collapsed); NULL if no hop had a known AS.';
COMMENT ON COLUMN pingsvc.as_route_changes.new_as_path IS 'AS path after the change; NULL if no hop has a known AS.';
COMMENT ON COLUMN pingsvc.as_route_changes.as_added IS 'ASes on the new AS path and not on the old one, in path order.';
COMMENT ON COLUMN pingsvc.as_route_changes.as_removed IS 'ASes on the old AS path and not on the new one, in path order (empty when the change only reorders or repeats).';
COMMENT ON COLUMN pingsvc.as_route_changes.ip_kind IS 'kind of the IP-level change: hop, length or reachability.';
COMMENT ON COLUMN pingsvc.as_route_changes.diverge_ttl IS 'First TTL where the IP paths differ.';
COMMENT ON COLUMN pingsvc.as_route_changes.old_path IS 'IP path before the change.';
COMMENT ON COLUMN pingsvc.as_route_changes.new_path IS 'IP path after the change.';

GRANT SELECT ON pingsvc.as_route_changes TO pingsvc_frontier, pingsvc_viewer, pingsvc_analyst;
