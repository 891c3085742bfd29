-- pingsvc.frontier_state: when the frontier last ran each periodic task,
-- so that a task meant to run daily runs daily however many frontiers run
-- and however often they restart (a timer starting `run --once`).

CREATE TABLE pingsvc.frontier_state (
    task        text        PRIMARY KEY CHECK (task ~ '^[a-z_]{1,64}$'),
    last_run    timestamptz NOT NULL DEFAULT '-infinity'
);

COMMENT ON TABLE pingsvc.frontier_state IS
    'Last run of the frontier''s periodic tasks (maintain_partitions, score_targets); claimed with a conditional UPDATE so one frontier runs a task per period.';
COMMENT ON COLUMN pingsvc.frontier_state.task IS
    'Task name: maintain_partitions or score_targets.';
COMMENT ON COLUMN pingsvc.frontier_state.last_run IS
    'When a frontier last started the task (-infinity: never).';

INSERT INTO pingsvc.frontier_state (task) VALUES ('maintain_partitions'), ('score_targets');

GRANT SELECT, INSERT, UPDATE ON pingsvc.frontier_state TO pingsvc_frontier;
