-- 0019_results_lz4: results.body compressed with lz4 (faster to store
-- than pglz, see tables/results_lz4.sql).  A catalog change only: no row
-- is rewritten.  Landed migrations are never edited, nor the files they
-- include.  Run by sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/results_lz4.sql

RESET ROLE;
