-- pingsvc.host_inet: the host address written in p_text, or NULL when the
-- text is not one (garbage, a network, empty).  Lets set-based extraction
-- read addresses from untrusted JSON without one bad "from" failing a whole
-- batch.  Dotted-quad IPv4 is checked by pattern; anything else that looks
-- like IPv6 is cast inside an exception block.  Pure function: no locks,
-- no shared state, safe anywhere.

CREATE FUNCTION pingsvc.host_inet(p_text text)
RETURNS inet
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    v_addr inet;
BEGIN
    IF p_text ~ '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$' THEN
        RETURN p_text::inet;
    END IF;
    IF p_text !~ '^[0-9A-Fa-f:.]{2,45}$' OR strpos(p_text, ':') = 0 THEN
        RETURN NULL;
    END IF;
    BEGIN
        v_addr := p_text::inet;
    EXCEPTION WHEN invalid_text_representation THEN
        RETURN NULL;
    END;
    RETURN v_addr;
END;
$$;

COMMENT ON FUNCTION pingsvc.host_inet(text) IS
    'The host address (inet /32 or /128) written in the text, or NULL when it is not a plain IPv4 or IPv6 address.';
