-- pingsvc.jobs.lessees: every worker that ever held a job's lease.
--
-- A worker cut off for longer than its lease still delivers what it
-- measured (from its spool, days later if need be), while the job has
-- meanwhile been requeued and leased to another worker.  Both results are
-- real measurements; refusing the late one would lose it.  The gateway
-- therefore accepts a result for a job from any of its lessees (and only
-- from them: a worker can still not answer jobs it was never given).

ALTER TABLE pingsvc.jobs
    ADD COLUMN lessees bigint[] NOT NULL DEFAULT '{}';

-- Jobs leased before this column existed: their current lessee.
UPDATE pingsvc.jobs
   SET lessees = ARRAY[worker_id]
 WHERE worker_id IS NOT NULL;

COMMENT ON COLUMN pingsvc.jobs.lessees IS
    'Every worker that held a lease on the job, in order; a late result from any of them is accepted (a lease expiring does not make its measurement invalid).';

GRANT UPDATE (lessees) ON pingsvc.jobs TO pingsvc_ingest;
