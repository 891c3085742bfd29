-- 0012_viewer_indexes: indexes that keep every page of pingsvc-viewer.cgi
-- within its time budget on a large database (tests/bench/viewer):
-- traces by vantage and time (covering the flow key) and by time, hops by
-- address and time (covering the RTT), results by time and by worker and
-- time, hop-discovered targets by first_seen, finished jobs by time.
--
-- Adds indexes only; touches no other object.  On a big database this
-- builds each index once (minutes for tens of millions of hop rows) while
-- holding a SHARE lock on the table, so writes wait: apply it in a quiet
-- hour.  Landed migrations are never edited, nor the files they include.
-- Run by sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/viewer_indexes.sql

RESET ROLE;
