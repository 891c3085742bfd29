-- 0021_extract_v2: extract_results_ids() version 2
-- (functions/extract_results_v2.sql): the same traces, hops and
-- derive_queue rows as version 1 (0018), with one walk of the JSON and
-- one intermediate result of hop rows instead of a chain of materialized
-- CTEs over every probe.  extract_results() and process_results() version
-- 4 call it unchanged.
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../functions/extract_results_v2.sql

RESET ROLE;
