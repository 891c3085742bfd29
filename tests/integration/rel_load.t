#!/bin/bash
# The load benchmark (tests/bench/load) in its short form: 20 simulated
# workers claim and submit through the gateway for 5 s, after the same
# claims and stores straight to PostgreSQL; nothing may be lost, doubled
# or left undone, and no request may fail.  About 20 s.  The full run
# (200 workers, 5 minutes) is `tests/bench/load` (make bench).
set -u
top=${PINGSVC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/integration/tap.sh"
if [ -z "${PGHOST:-}" ]; then
	echo "1..0 # SKIP no database: run under tests/pg/with-pg"
	exit 0
fi
bin=${PINGSVC_BIN:-$top/build/release/bin}
if [ ! -x "$(dirname "$bin")/tests/bench/load" ]; then
	echo "1..0 # SKIP the load tool is not built"
	exit 0
fi
out=$(LOAD_WORKERS=20 LOAD_SECONDS=5 PINGSVC_BIN=$bin "$top/tests/bench/load" 2>&1)
ok $? "tests/bench/load runs (20 workers, 5 s)"
printf '%s\n' "$out" | sed 's/^/# /'
m() { printf '%s\n' "$out" | awk -v k="$1" '$1 == "metric" && $2 == k { print $3 }'; }
[ "$(m load_gateway_results_rows)" -gt 0 ] 2>/dev/null
ok $? "results stored through the gateway ($(m load_gateway_results_per_s)/s)"
[ "$(m load_baseline_results_per_s | cut -d. -f1)" -gt 0 ] 2>/dev/null
ok $? "baseline measured in the same run"
is "$(m load_lost)" 0 "nothing lost (results sent, not stored)"
is "$(m load_doubled)" 0 "nothing doubled"
is "$(m load_jobs_not_done)" 0 "every claimed job done"
is "$(m load_gateway_errors)" 0 "no request failed"
is "$(m load_gateway_exit)" 0 "the gateway stops cleanly (SIGTERM, exit 0)"
like "$out" '^ratio load [0-9]+\.[0-9]{3}$' "a ratio line"
done_testing
