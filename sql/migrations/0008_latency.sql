-- 0008_latency: latency analysis for the viewer and analysts:
-- rtt_summary() (RTT percentiles per vantage, target and time bucket from
-- the destination's traceroute replies) and link_delay_shifts() (days on
-- which a link's RTT jump left its history, IHR-style).
--
-- Adds functions only; touches no existing object.  Landed migrations are
-- never edited, nor the files they include.  Run by sql/migrate as a
-- superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../functions/rtt_summary.sql
\ir ../functions/link_delay_shifts.sql

RESET ROLE;
