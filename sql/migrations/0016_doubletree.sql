-- 0016_doubletree: Doubletree stop sets on discovery traceroutes.
--
-- pingsvc.schedule_cycle gains a seventh parameter, p_stop_sets (default
-- true), and gives a traceroute job whose vantage has not traced the
-- target recently (a discovery trace) the addresses other vantages saw on
-- their paths to it (params.stop_set, functions/schedule_cycle_v3.sql).  The six-parameter
-- version is dropped first: callers passing six arguments or fewer get the
-- new one with its defaults, and no call is ambiguous.
--
-- (The cheaper, inlined pingsvc.is_host_address this needs for its job
-- inserts came with 0014, functions/is_host_address_v2.sql.)
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

DROP FUNCTION pingsvc.schedule_cycle(integer, integer, integer, cidr[], interval, integer);

\ir ../functions/schedule_cycle_v3.sql

RESET ROLE;
