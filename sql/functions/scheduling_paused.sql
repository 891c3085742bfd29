-- scheduling_paused: whether an operator paused scheduling from the
-- viewer's control page.  A plain read of one row: it sees the flag as
-- committed when the calling statement started, so a pause takes effect at
-- the frontier's next round; no locks are taken.

CREATE FUNCTION pingsvc.scheduling_paused()
RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT coalesce((SELECT enabled FROM pingsvc.control_flags
                     WHERE name = 'scheduling_paused'), false)
$$;

COMMENT ON FUNCTION pingsvc.scheduling_paused() IS
    'True when scheduling is paused (control_flags.scheduling_paused); the frontier makes no new jobs then.';
GRANT EXECUTE ON FUNCTION pingsvc.scheduling_paused() TO PUBLIC;
