-- 0022_derive_v2: derive_traces() version 2 (functions/derive_traces_v2.sql:
-- the same rows with less work per batch) and HOT updates of links.
--   - links_last_seen_idx is dropped: every derivation updates last_seen
--     of each link it sees, and an index on it made every such update
--     write new entries in all three indexes of links (no HOT update).
--     Nothing in the project reads links through it (the viewer and the
--     analyst examples select links by address, first_seen or a join);
--     an analyst filtering on last_seen reads the table, a few hundred
--     bytes per link.
--   - links gets fillfactor 70, so that an updated row finds room on its
--     page (HOT).  Pages written from now on keep the room; the rows of
--     full pages move once, at their next update.
-- Measured on one batch of 10,000 traces with 64,400 known links: the
-- links upsert took 0.67 s before, 0.26 s after.
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

DROP INDEX pingsvc.links_last_seen_idx;
ALTER TABLE pingsvc.links SET (fillfactor = 70);

\ir ../functions/detect_routes.sql
\ir ../functions/derive_traces_v2.sql

RESET ROLE;
