-- pingsvc.path_hash: sha256 of a path written as text, `*` for a TTL without
-- reply, e.g. '192.0.2.1,*,192.0.2.3'.  Traces with equal hashes have exactly
-- the same path; paths that merely match (a `*` against an address) hash
-- differently.  Declared IMMUTABLE although array_to_string is only STABLE:
-- the text form of inet depends on no setting, so the result never changes
-- (which the generated column traces.path_hash relies on).  Pure function:
-- safe anywhere.

CREATE FUNCTION pingsvc.path_hash(p_path inet[])
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN sha256(convert_to(array_to_string(p_path, ',', '*'), 'UTF8'));

COMMENT ON FUNCTION pingsvc.path_hash(inet[]) IS
    'sha256 of the path as text (addresses joined by commas, * for no reply); equal hashes mean identical paths.';
