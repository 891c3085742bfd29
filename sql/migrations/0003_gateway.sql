-- 0003_gateway: what the gateway (pingsvc-ingest) needs beyond schema v1:
-- worker scopes for outside contributors (job kinds, protocols, target
-- prefixes, a rate cap), the capabilities a worker reports kept apart from
-- those it may use, the time of its last delivered result (silent workers),
-- and the clock-sync age of each result (RIPE Atlas's lts).
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/workers_scope.sql
\ir ../tables/results_lts.sql
\ir ../functions/silent_workers.sql

RESET ROLE;
