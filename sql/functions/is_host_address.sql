-- pingsvc.is_host_address: true when p_address is one host (/32 or /128),
-- not a network.  Used by the CHECK constraints of every address column.
-- Pure function of its argument: no locks, no shared state, safe anywhere.

CREATE FUNCTION pingsvc.is_host_address(p_address inet)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN masklen(p_address) = CASE family(p_address) WHEN 4 THEN 32 ELSE 128 END;

COMMENT ON FUNCTION pingsvc.is_host_address(inet) IS
    'True when the address is a single host (/32 for IPv4, /128 for IPv6), false for a network; NULL for NULL.';
