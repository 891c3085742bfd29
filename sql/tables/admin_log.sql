-- pingsvc.admin_log: every control-plane action tried in the viewer, with
-- who (the web server's REMOTE_USER), what, and how it ended.  Written by
-- pingsvc-viewer.cgi as pingsvc_viewer_admin, in the action's transaction
-- when the action runs, alone when it is refused.  Rows are never updated.

CREATE TABLE pingsvc.admin_log (
    log_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    remote_user text        NOT NULL CHECK (length(remote_user) <= 200),
    action      text        NOT NULL CHECK (action ~ '^[a-z_]{1,32}$'),
    outcome     text        NOT NULL CHECK (outcome IN ('ok', 'refused', 'error')),
    detail      jsonb       NOT NULL DEFAULT '{}'
                            CHECK (jsonb_typeof(detail) = 'object'),
    remote_addr inet
);

CREATE INDEX admin_log_at_idx ON pingsvc.admin_log (at);

COMMENT ON TABLE pingsvc.admin_log IS
    'Control-plane actions tried in the viewer (pause, resume, add_target, add_optout, requeue_failed, enroll, revoke), refused ones included.';
COMMENT ON COLUMN pingsvc.admin_log.log_id IS
    'Entry number.';
COMMENT ON COLUMN pingsvc.admin_log.at IS
    'When the action was tried.';
COMMENT ON COLUMN pingsvc.admin_log.remote_user IS
    'User the web server authenticated (CGI REMOTE_USER); empty when none.';
COMMENT ON COLUMN pingsvc.admin_log.action IS
    'Action name as posted (none when missing).';
COMMENT ON COLUMN pingsvc.admin_log.outcome IS
    'ok (done and committed), refused (not allowed or invalid), error.';
COMMENT ON COLUMN pingsvc.admin_log.detail IS
    'Parameters of the action (address, prefix, target, reason, contact), rows affected, or the reason for a refusal.';
COMMENT ON COLUMN pingsvc.admin_log.remote_addr IS
    'Client address as the web server saw it (CGI REMOTE_ADDR), if known.';
