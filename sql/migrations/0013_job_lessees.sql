-- 0013_job_lessees: jobs remember every worker that leased them
-- (jobs.lessees), so that a result delivered after its lease expired and
-- the job moved on to another worker is stored instead of refused.
--
-- Adds one column (with a constant default: no table rewrite) and fills
-- it for jobs leased now.  Landed migrations are never edited, nor the
-- files they include.  Run by sql/migrate as a superuser, in one
-- transaction.

SET ROLE pingsvc_owner;

\ir ../tables/jobs_lessees.sql

RESET ROLE;
