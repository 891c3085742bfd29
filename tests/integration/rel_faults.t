#!/bin/bash
# The fault-injection suite (tests/fault/faults) in its short form: one
# round of each fault (gateway kill -9, PostgreSQL restart, a 3-second link
# cut, a worker's spool overflowing while its gateway is unreachable, kill
# -9 of a worker holding leases and spooled results) while three workers
# in the lab submit continuously, every process under the restart rule of
# its systemd unit (tests/fault/supervise); then every result is counted
# by idempotency key against the workers' logs.  About a minute.
# The long form: tests/pg/with-pg tests/fault/faults --rounds 5 --cut-s 120
exec "$(cd "$(dirname "$0")/../fault" && pwd)/faults" --rounds 1 --cut-s 3
