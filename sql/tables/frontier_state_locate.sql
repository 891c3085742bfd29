-- pingsvc.frontier_state: the periodic RTT-constraint estimate of hop
-- locations (estimate_hop_locations) is claimed like scoring.

INSERT INTO pingsvc.frontier_state (task) VALUES ('estimate_locations');

COMMENT ON TABLE pingsvc.frontier_state IS
    'Last run of the frontier''s periodic tasks (maintain_partitions, score_targets, estimate_locations); claimed with a conditional UPDATE so one frontier runs a task per period.';
COMMENT ON COLUMN pingsvc.frontier_state.task IS
    'Task name: maintain_partitions, score_targets or estimate_locations.';
