-- pingsvc.opt_out_add: record that the operator of p_prefix asked us to stop
-- probing it.  Adds (or updates) the pingsvc.opt_outs row, deletes ready
-- jobs for addresses inside (leased ones are already out with a worker and
-- end by themselves), and marks targets inside opted_out, for good.
-- Returns (jobs_removed, targets_marked).
--
-- Concurrency: ready jobs are deleted under their row locks; a job a
-- gateway leases at this very moment is skipped by the DELETE's snapshot
-- and finishes normally, later cycles make none (schedule_cycle reads
-- opt_outs).  Concurrent calls for the same prefix serialise on its key.

CREATE FUNCTION pingsvc.opt_out_add(
    p_prefix  cidr,
    p_reason  text,
    p_contact text DEFAULT NULL)
RETURNS TABLE (jobs_removed integer, targets_marked integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $optout$
BEGIN
    INSERT INTO pingsvc.opt_outs AS o (prefix, reason, contact)
    VALUES (p_prefix, p_reason, p_contact)
    ON CONFLICT (prefix) DO UPDATE
       SET reason = coalesce(excluded.reason, o.reason),
           contact = coalesce(excluded.contact, o.contact);

    DELETE FROM pingsvc.jobs j
     WHERE j.state = 'ready' AND j.target <<= p_prefix;
    GET DIAGNOSTICS jobs_removed = ROW_COUNT;

    UPDATE pingsvc.targets t
       SET state = 'opted_out'
     WHERE t.address <<= p_prefix AND t.state <> 'opted_out';
    GET DIAGNOSTICS targets_marked = ROW_COUNT;
    RETURN NEXT;
END
$optout$;

COMMENT ON FUNCTION pingsvc.opt_out_add(cidr, text, text) IS
    'Opt a prefix out of probing: record it in opt_outs, delete its ready jobs, mark its targets opted_out.  Returns (jobs_removed, targets_marked).';

REVOKE ALL ON FUNCTION pingsvc.opt_out_add(cidr, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.opt_out_add(cidr, text, text) TO pingsvc_frontier;
