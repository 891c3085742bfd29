-- Indexes through which pingsvc.schedule_cycle() reads the most urgent due
-- targets in next_due order: every probeable state (dead targets are
-- retried too, unlike targets_next_due_idx of 0001), and the new hops,
-- which go first.

CREATE INDEX targets_due_idx ON pingsvc.targets (next_due)
    WHERE state <> 'opted_out';
CREATE INDEX targets_new_hop_due_idx ON pingsvc.targets (next_due)
    WHERE source = 'hop' AND state = 'new';

COMMENT ON INDEX pingsvc.targets_due_idx IS
    'Due targets in next_due order, all states but opted_out (schedule_cycle).';
COMMENT ON INDEX pingsvc.targets_new_hop_due_idx IS
    'New hop targets in next_due order: scheduled first (schedule_cycle).';
