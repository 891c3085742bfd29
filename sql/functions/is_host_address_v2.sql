-- pingsvc.is_host_address, version 2 (migration 0014): the same answer as
-- version 1 (is_host_address.sql) for every input, NULL for NULL, but
-- declared without STRICT so that the planner inlines its one expression
-- into the CHECK constraints of every address column instead of calling an
-- SQL function once per row (STRICT blocks inlining of a body holding a
-- CASE; the body is NULL for NULL anyway: masklen(NULL) is NULL).
-- Pure function of its argument: no locks, no shared state, safe anywhere.

CREATE OR REPLACE FUNCTION pingsvc.is_host_address(p_address inet)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN masklen(p_address) = CASE family(p_address) WHEN 4 THEN 32 ELSE 128 END;

COMMENT ON FUNCTION pingsvc.is_host_address(inet) IS
    'True when the address is a single host (/32 for IPv4, /128 for IPv6), false for a network; NULL for NULL.  Inlined into CHECK constraints (version 2, 0014).';
