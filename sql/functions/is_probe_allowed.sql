-- pingsvc.is_probe_allowed: may p_address be a target?  False when an
-- opt-out covers it; else true when allowed_ranges covers it; else the most
-- specific special_ranges row containing it decides (globally_reachable);
-- an address in no special range is allowed.  All three lookups use the
-- GiST (inet_ops) indexes.  Hop feedback in process_results() applies the
-- same rule; the frontier can use it before making jobs.
--
-- A single RETURN expression, so the planner can inline it into the
-- caller's query.
--
-- Concurrency: a plain read (STABLE) of three small tables; sees the
-- snapshot of the calling statement, takes no locks beyond ACCESS SHARE.

CREATE FUNCTION pingsvc.is_probe_allowed(p_address inet)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN NOT EXISTS (SELECT 1 FROM pingsvc.opt_outs o WHERE o.prefix >>= p_address)
       AND (EXISTS (SELECT 1 FROM pingsvc.allowed_ranges a WHERE a.prefix >>= p_address)
            OR coalesce((SELECT s.globally_reachable
                           FROM pingsvc.special_ranges s
                          WHERE s.prefix >>= p_address
                          ORDER BY masklen(s.prefix) DESC
                          LIMIT 1), true));

COMMENT ON FUNCTION pingsvc.is_probe_allowed(inet) IS
    'True when the address may be probed: not opted out, and either inside allowed_ranges or not inside a non-globally-reachable special range (the most specific range decides).';
