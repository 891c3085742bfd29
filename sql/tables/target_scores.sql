-- pingsvc.target_scores: per target and probe protocol, the decayed
-- success ratio of recent pings, as pingsvc.score_targets() computed it.
-- targets.reliability is the best protocol's score.

CREATE TABLE pingsvc.target_scores (
    address     inet        NOT NULL CHECK (pingsvc.is_host_address(address)),
    proto       text        NOT NULL CHECK (proto IN ('icmp', 'tcp', 'udp')),
    reliability real        NOT NULL CHECK (reliability BETWEEN 0 AND 1),
    sent        integer     NOT NULL CHECK (sent >= 0),
    rcvd        integer     NOT NULL CHECK (rcvd >= 0),
    scored_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (address, proto)
);

COMMENT ON TABLE pingsvc.target_scores IS
    'Reliability of each target per ping protocol over the scoring window (written by pingsvc.score_targets()).';
COMMENT ON COLUMN pingsvc.target_scores.address IS
    'The target (pingsvc.targets.address; no foreign key, like the other big tables).';
COMMENT ON COLUMN pingsvc.target_scores.proto IS
    'Ping protocol of the results: icmp or tcp (udp reserved).';
COMMENT ON COLUMN pingsvc.target_scores.reliability IS
    'sum(w * rcvd) / sum(w * sent) over the window, w = 0.5 ^ (age / half-life).';
COMMENT ON COLUMN pingsvc.target_scores.sent IS
    'Probes sent in the window (undecayed).';
COMMENT ON COLUMN pingsvc.target_scores.rcvd IS
    'Replies received in the window (undecayed).';
COMMENT ON COLUMN pingsvc.target_scores.scored_at IS
    'When the score was computed.';

GRANT SELECT, INSERT, UPDATE, DELETE ON pingsvc.target_scores TO pingsvc_frontier;
