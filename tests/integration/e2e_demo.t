#!/bin/bash
# TAP end-to-end test on the demo's topology (tests/demo/lab, the lab
# `make demo` runs): 20 routers, ECMP diamonds at r2 (r3a/r3b) and b1
# (b2a/b2b), the silent r5, AnyIP provider prefixes (a, b, c, and cx
# dropping ICMP echo), three workers (v1, v2: icmp,udp,tcp; v3: tcp only, its firewall
# drops ICMP), the frontier bootstrapped from tests/demo/lab-providers.csv
# (a geofeed).  Shares its set-up with the demo (tests/demo/lib.sh);
# tests/integration/e2e.t does the same on the test lab, with its `*`
# fill-in and ECMP-collapse cases.
#
# Cycles of `pingsvc-frontier run --once` (cooldowns moved to now); before
# cycle 5 `lab route-change` (a1 sends provider a's prefix via a2x), before
# cycle 8 `back`.  Asserts the issue's list: the targets grew beyond the
# bootstrap through hop feedback, every answering lab router appears in
# the links (r5 never), the branches of both ECMP diamonds are known and
# never reported as route changes, the triggered change is detected once
# per flow with the right divergence (TTL 8, a2 -> a2x, rejoining at a3 on
# TTL 9, kind hop), and once back; the worker without ICMP did only TCP
# jobs; each result stored exactly once.
#
# Needs root (the lab), nftables, a database (tests/pg/with-pg), curl and
# openssl.  About 2 minutes.
#
#	tests/pg/with-pg prove -v tests/integration/e2e_demo.t
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${PINGSVC_TOP:-$(cd "$HERE/../.." && pwd)}
BIN=${PINGSVC_BIN:-$TOP/build/release/bin}
. "$TOP/tests/integration/tap.sh"
need_root
need_db
need_built "$BIN/pingsvc-worker" "$BIN/pingsvc-ingest" "$BIN/pingsvc-frontier"
need_tools curl openssl nft

export PSL_LAB_PREFIX="psldm$$-"
LAB=$TOP/tests/demo/lab
DEMO_VANTAGES="v1 v2 v3"
DB=pingsvc_t_e2ed_$$
DEMO_GWROLE=pingsvc_t_e2edgw_$$
DEMO_FRROLE=pingsvc_t_e2edfr_$$
RUN=$(mktemp -d)
# shellcheck source=tests/demo/lib.sh disable=SC2034  # read by lib.sh
source "$TOP/tests/demo/lib.sh"
DEMO_CAPS[v2]="icmp,udp,tcp"

cleanup()
{
	demo_stop
	"$LAB" down >/dev/null 2>&1 || true
	demo_drop_db
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# more DESCRIPTION TEXT: show TEXT as a TAP comment after a failed point.
more() { [[ $1 != 0 ]] && sed 's/^/# /' <<<"$2"; return 0; }
logs() { tail -n 5 "$RUN"/*.log 2>/dev/null | grep -v ' spooled \| delivered '; }

out=$("$LAB" up 2>&1)
rc=$?
ok $rc "demo lab up (prefix $PSL_LAB_PREFIX)"
more $rc "$out"
demo_db
ok $? "database $DB migrated; roles; 198.18.0.0/15 in allowed_ranges"
export PGDATABASE=$DB
demo_configs && demo_start_gateway
ok $? "gateway in r1 serves HTTPS"
demo_enroll && demo_start_workers
rc=$?
ok $rc "three workers enrolled and online"
more $rc "$(logs)"
is "$(dq "SELECT name || ' ' || caps::text FROM pingsvc.workers ORDER BY name" | tr '\n' ';')" \
	"lab-v1 {icmp,udp,tcp};lab-v2 {icmp,udp,tcp};lab-v3 {tcp};" "v3 holds TCP only"
is "$(demo_bootstrap_file geofeed "$TOP/tests/demo/lab-providers.csv")" 4 \
	"geofeed bootstrap: one target per provider prefix (a, b, c and the ICMP-blind cx)"

addr() { "$LAB" addr "$1"; }
A2=$(addr a2) A2X=$(addr a2x) A3=$(addr a3) ATARGET=$(addr a-target)

cycles_ok=0
mark()
{
	dq "SELECT date_trunc('second', now()) + interval '1 second'"
	sleep 1.1
}
for i in $(seq 1 10); do
	case $i in
	5)
		"$LAB" route-change >/dev/null
		t_change=$(mark)
		;;
	8)
		"$LAB" route-change back >/dev/null
		t_back=$(mark)
		;;
	esac
	demo_cycle 90 || {
		cycles_ok=1
		echo "# cycle $i failed: $(tr '\n' ' ' <"$RUN/cycle.out") open jobs $(demo_jobs_open)"
	}
done
ok $cycles_ok "10 frontier cycles: every job done and every result stored"

# --- hop feedback -------------------------------------------------------------
is "$(dq "SELECT count(*) FILTER (WHERE source = 'bootstrap') = 4
          AND count(*) FILTER (WHERE source = 'hop') >= 20 FROM pingsvc.targets")" t \
	"targets grew beyond the 4 of the bootstrap through hop feedback ($(dq "SELECT count(*) FROM pingsvc.targets") targets)"

# --- links: every answering router --------------------------------------------
linked() { dq "SELECT EXISTS (SELECT FROM pingsvc.links WHERE near = '$1' OR far = '$1')"; }
missing=
for r in $("$LAB" routers) r1.v2 r1.v3; do
	[[ $r == r5 ]] && continue
	a=$(addr "$r")
	[[ $(linked "$a") == t ]] || missing="$missing $r=$a"
done
for p in a b c; do
	[[ $(dq "SELECT EXISTS (SELECT FROM pingsvc.links WHERE far << '$(addr $p)')") == t ]] ||
		missing="$missing target-$p"
done
is "$missing" "" "every lab router but the silent r5 (r1 from all three vantages, a2x after the change) and each provider prefix is in links"
is "$(dq "SELECT count(*) FROM pingsvc.hops WHERE address = '$(addr r5)'")$(linked "$(addr r5)")" 0f \
	"the silent router r5 appears nowhere"

# --- ECMP ---------------------------------------------------------------------
branches=$(dq "SELECT count(DISTINCT address) FROM pingsvc.hops
               WHERE address IN ('$(addr r3a)', '$(addr r3b)', '$(addr b2a)', '$(addr b2b)')")
is "$branches" 4 "both branches of both ECMP diamonds known (r3a, r3b, b2a, b2b)"
is "$(dq "SELECT count(*) FROM pingsvc.route_changes
          WHERE old_path[3] IS DISTINCT FROM new_path[3] OR old_path[8] IN ('$(addr b2a)', '$(addr b2b)')
             OR new_path[8] IN ('$(addr b2a)', '$(addr b2b)')")" 0 \
	"no route change on either diamond (load balancing is not a change)"

# --- the triggered route change ------------------------------------------------
# Flows whose last trace before T0 had FROM at TTL 8 and that were traced
# at least twice in [T0, T1), always with TO at TTL 8 (K = 2).
expected_flows()
{
	dq "SELECT f.vantage || '|' || host(f.target) || '|' || f.proto || '|' || f.paris_id
	      FROM (SELECT DISTINCT ON (vantage, target, proto, paris_id) vantage, target, proto, paris_id, path
	              FROM pingsvc.traces WHERE ts < '$3' ORDER BY vantage, target, proto, paris_id, ts DESC) f
	      JOIN pingsvc.traces t USING (vantage, target, proto, paris_id)
	     WHERE f.path[8] = '$1' AND t.ts >= '$3' AND t.ts < '$4'
	     GROUP BY 1 HAVING count(*) >= 2 AND bool_and(t.path[8] = '$2') ORDER BY 1"
}
changes()
{
	dq "SELECT vantage || '|' || host(target) || '|' || proto || '|' || paris_id FROM pingsvc.route_changes
	     WHERE detected_at >= '$3' AND detected_at < '$4' AND old_path[8] = '$1' AND new_path[8] = '$2'
	       AND diverge_ttl = 8 AND kind = 'hop'
	       AND (rejoin_ttl = 9 AND new_path[9] = '$A3' OR array_length(new_path, 1) = 8)
	     ORDER BY 1"
}
allchanges() { dq "SELECT vantage, target, proto, paris_id, detected_at, diverge_ttl, rejoin_ttl, kind, old_path, new_path FROM pingsvc.route_changes ORDER BY detected_at"; }
exp1=$(expected_flows "$A2" "$A2X" "$t_change" "$t_back")
got1=$(changes "$A2" "$A2X" "$t_change" "$t_back")
[[ -n $exp1 && $exp1 == "$got1" ]]
rc=$?
ok $rc "a1 via a2x: one change per flow ($(grep -c . <<<"$exp1") flows), diverge_ttl 8 (a2 -> a2x), rejoin_ttl 9 (a3), kind hop"
more $rc "expected:
$exp1
got:
$got1
all:
$(allchanges)"
grep -q "|$ATARGET|" <<<"$got1"
ok $? "among them the flows to provider a's bootstrap target $ATARGET"
exp2=$(expected_flows "$A2X" "$A2" "$t_back" infinity)
got2=$(changes "$A2X" "$A2" "$t_back" infinity)
[[ -n $exp2 && $exp2 == "$got2" ]]
rc=$?
ok $rc "back via a2: one change back per flow ($(grep -c . <<<"$exp2") flows)"
more $rc "expected:
$exp2
got:
$got2"
is "$(dq "SELECT count(*) FROM pingsvc.route_changes")" "$(($(grep -c . <<<"$got1") + $(grep -c . <<<"$got2")))" \
	"no other route change"
is "$(dq "SELECT count(*) FROM pingsvc.route_changes WHERE NOT (target << '$(addr a)' OR target IN ('$(addr a3)', '$(addr a4)'))")" 0 \
	"only destinations behind the change (provider a's prefix, a3, a4) changed"

# --- capabilities ---------------------------------------------------------------
is "$(dq "SELECT string_agg(DISTINCT j.proto, ',') FROM pingsvc.jobs j
          JOIN pingsvc.workers w USING (worker_id) WHERE w.name = 'lab-v3'")" tcp \
	"the worker without ICMP (v3) did only TCP jobs"
is "$(dq "SELECT count(*) FROM pingsvc.results r JOIN pingsvc.workers w USING (worker_id)
          WHERE w.name = 'lab-v3' AND coalesce(r.body->>'proto', 'ICMP') <> 'TCP'")" 0 \
	"its results are all TCP"
is "$(dq "SELECT count(DISTINCT w.name) FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
          WHERE j.proto = 'icmp'")" 2 "v1 and v2 did ICMP jobs"
is "$(dq "SELECT sum((body->>'sent')::int) > 0 AND sum((body->>'rcvd')::int) = 0 FROM pingsvc.results
          WHERE body->>'type' = 'ping' AND coalesce(body->>'proto', 'ICMP') = 'ICMP'
          AND (body->>'dst_addr')::inet << '$(addr cx)'")" t \
	"the ICMP-blind prefix cx: no ICMP ping to it was answered"

# --- exactly once -------------------------------------------------------------------
produced=$(demo_spooled_keys | wc -l)
is "$(dq "SELECT count(*) FROM pingsvc.result_keys") $(dq "SELECT count(*) FROM pingsvc.results") $(demo_results_produced)" \
	"$produced $produced $produced" "each result stored exactly once ($produced)"
is "$(dq "SELECT count(*) FROM pingsvc.jobs WHERE state <> 'done'")" 0 "no job failed or left open"

rcs=
for v in $DEMO_VANTAGES; do
	kill -TERM "${DEMO_PID[$v]}"
	wait "${DEMO_PID[$v]}"
	rcs="$rcs$?"
	unset "DEMO_PID[$v]"
done
is "$rcs" 000 "SIGTERM: the three workers exit 0"
done_testing
