#!/bin/bash
# TAP end-to-end test: the whole system in the network lab, with the
# with-pg cluster.  Shares its set-up with `make demo` (tests/demo/lib.sh).
#
#   gateway   pingsvc-ingest serve in r1 (0.0.0.0:8443 there: v1 dials
#             198.18.1.1, v2 198.18.2.1; one self-signed certificate with
#             both addresses), PostgreSQL through its unix socket;
#   workers   pingsvc-worker run in v1 (enrolled icmp,udp,tcp) and in v2
#             (enrolled --caps tcp: unable to do ICMP);
#   frontier  bootstrapped from tests/demo/bootstrap.txt (the three
#             addresses of the target prefix), `run --once` cycles with the
#             targets' cooldowns moved to now before each (the lab cannot
#             wait an hour);
#   route     `lab route-change` (r4 via the detour rd) before cycle 5,
#             `route-change back` before 8; `route-change ecmp-a` (r2 sends
#             everything via r3a) before 10, `back` before 13.  15 cycles.
#
# What it asserts:
#   - the targets grew beyond the bootstrap through hop feedback;
#   - every lab router that answers is in pingsvc.links (r1 on both of its
#     vantage-facing addresses, r2, r3a, r3b, r4, r6, rd after the
#     change), and the target; the silent r5 never appears;
#   - both ECMP branches (r3a 198.18.11.2, r3b 198.18.12.2) are known, and
#     load balancing is no route change;
#   - the route change is seen (traces show rd at TTL 5 where r5 was
#     silent) and, per ROUTE-CHANGES.md, is NOT a route change: the old
#     path holds `*` at TTL 5, `*` matches anything, so the new traces
#     *match* the current path and only fill in its `*` (rule 1); the
#     flow's current path then holds rd at TTL 5.  Going back (rd -> `*`)
#     matches too.  So that change yields no row;
#   - a change `*` does not hide is found: when r2 stops balancing
#     (ecmp-a), each flow that went through r3b and was traced twice since
#     yields exactly one row r3b -> r3a, diverge_ttl 3, rejoin_ttl 4 (r4),
#     kind hop; and one back when ECMP returns; flows on r3a none;
#   - the worker without ICMP did only TCP jobs, the other did ICMP ones;
#     each traceroute job ran on the vantage it names;
#   - each result stored exactly once: result_keys = results = the results
#     the workers logged as spooled (each key once);
#   - no job failed; SIGTERM stops every worker with exit 0.
#
# Needs root (the lab), a database (tests/pg/with-pg), curl and openssl.
# Runs in about 70 s.
#
#	tests/pg/with-pg prove -v tests/integration/e2e.t
set -u

if [[ $(id -u) != 0 ]]; then
	echo "1..0 # SKIP the lab needs root (network namespaces)"
	exit 0
fi
if [[ -z ${PGHOST:-} || -z ${PGDATABASE:-} ]]; then
	echo "1..0 # SKIP no database: run under tests/pg/with-pg"
	exit 0
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${PINGSVC_TOP:-$(cd "$HERE/../.." && pwd)}
BIN=${PINGSVC_BIN:-$TOP/build/release/bin}
for b in pingsvc-worker pingsvc-ingest pingsvc-frontier; do
	if [[ ! -x $BIN/$b ]]; then
		echo "1..0 # SKIP $BIN/$b is not built"
		exit 0
	fi
done
for t in curl openssl; do
	if ! command -v "$t" >/dev/null; then
		echo "1..0 # SKIP $t is not installed"
		exit 0
	fi
done

export PSL_LAB_PREFIX="psle$$-"
unset PSL_LAB_FAIL_AT
DB=pingsvc_t_e2e_$$
DEMO_GWROLE=pingsvc_t_e2egw_$$
DEMO_FRROLE=pingsvc_t_e2efr_$$
RUN=$(mktemp -d)
# shellcheck source=tests/demo/lib.sh disable=SC2034  # DEMO_*ROLE are read by lib.sh
source "$TOP/tests/demo/lib.sh"

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

echo "1..30"
n=0
result()
{
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[[ -n ${3:-} ]] && sed 's/^/# /' <<<"$3"
	fi
	return 0
}
is()
{
	[[ $1 == "$2" ]]
	result $? "$3" "got: $1
wanted: $2${4:+
$4}"
}
logs() { tail -n 5 "$RUN"/*.log 2>/dev/null | grep -v ' spooled \| delivered '; }

out=$("$LAB" up 2>&1)
result $? "lab up (prefix $PSL_LAB_PREFIX)" "$out"
demo_db
result $? "database $DB migrated; roles; 198.18.0.0/15 in allowed_ranges"
export PGDATABASE=$DB
demo_configs && demo_start_gateway &&
	"$LAB" exec v2 curl -s -o /dev/null --cacert "$RUN/gw.crt" https://198.18.2.1:8443/healthz
result $? "gateway in r1 serves HTTPS to v1 (198.18.1.1) and v2 (198.18.2.1)" "$(logs)"
demo_enroll && demo_start_workers
result $? "two workers enrolled and online" "$(logs)"
is "$(dq "SELECT name || ' ' || caps::text FROM pingsvc.workers ORDER BY name" | tr '\n' ';')" \
	"lab-v1 {icmp,udp,tcp};lab-v2 {tcp};" "v2 holds TCP only, although it could open raw sockets"

nboot=$(demo_bootstrap "$TOP/tests/demo/bootstrap.txt")
is "$nboot" 3 "bootstrap list imported: 3 targets"

R1=$("$LAB" addr r1) R1V2=$("$LAB" addr r1-v2) R2=$("$LAB" addr r2)
R3A=$("$LAB" addr r3a) R3B=$("$LAB" addr r3b) R4=$("$LAB" addr r4)
R5=$("$LAB" addr r5) R6=$("$LAB" addr r6) RD=$("$LAB" addr rd)
TARGET=$("$LAB" addr target)

cycles_ok=0
cycle()
{
	demo_cycle 60 || {
		cycles_ok=1
		echo "# cycle failed: $(tr '\n' ' ' <"$RUN/cycle.out") open jobs $(demo_jobs_open)"
	}
}
# mark: the boundary after a route change.  A trace's ts is its start in
# whole seconds (RIPE Atlas's timestamp): traces of the earlier cycles
# started before the change, so their ts is at most its second; those of
# the later cycles start more than a second after it, so at least the
# next one.
mark()
{
	dq "SELECT date_trunc('second', now()) + interval '1 second'"
	sleep 1.1
}
t_change=
for i in $(seq 1 15); do
	case $i in
	5)
		"$LAB" route-change >/dev/null
		t_change=$(mark)
		;;
	8)
		"$LAB" route-change back >/dev/null
		t_back=$(mark)
		;;
	10)
		"$LAB" route-change ecmp-a >/dev/null
		t_ecmp=$(mark)
		;;
	13)
		"$LAB" route-change back >/dev/null
		t_ecmp_back=$(mark)
		;;
	esac
	cycle
done
result $cycles_ok "15 frontier cycles: every job done and every result stored" "$(logs)"

# --- hop feedback -----------------------------------------------------------
is "$(dq "SELECT count(*) > 3 AND count(*) FILTER (WHERE source = 'hop') > 0
          AND count(*) FILTER (WHERE source = 'bootstrap') = 3 FROM pingsvc.targets")" t \
	"targets grew beyond the bootstrap through hop feedback" \
	"$(dq "SELECT address, source, state FROM pingsvc.targets ORDER BY 1")"
is "$(dq "SELECT count(*) FROM pingsvc.targets t WHERE source = 'hop'
          AND EXISTS (SELECT FROM pingsvc.jobs j WHERE j.target = t.address AND j.kind = 'traceroute')")" \
	"$(dq "SELECT count(*) FROM pingsvc.targets WHERE source = 'hop'")" \
	"every new hop was traced in turn"

# --- links --------------------------------------------------------------------
linked() { dq "SELECT EXISTS (SELECT FROM pingsvc.links WHERE near = '$1' OR far = '$1')"; }
missing=
for a in $R1 $R1V2 $R2 $R3A $R3B $R4 $R6 $RD $TARGET; do
	[[ $(linked "$a") == t ]] || missing="$missing $a"
done
is "$missing" "" "every answering lab router (r1 both sides, r2, r3a, r3b, r4, r6, rd) and the target are in links" \
	"$(dq "SELECT near, far, times_seen FROM pingsvc.links ORDER BY 1, 2")"
is "$(dq "SELECT count(*) FROM pingsvc.hops WHERE address = '$R5'")$(linked "$R5")" 0f \
	"the silent router r5 appears nowhere"
is "$(dq "SELECT count(*) FROM pingsvc.links WHERE near = '$R4' AND far = '$R6'")" 0 \
	"no link is made across the silent hop (r4 -> * -> r6)"

# --- ECMP -----------------------------------------------------------------------
is "$(dq "SELECT count(DISTINCT address) FROM pingsvc.hops WHERE address IN ('$R3A', '$R3B')")$(linked "$R3A")$(linked "$R3B")" \
	2tt "both ECMP branches known: r3a $R3A and r3b $R3B (hops and links)"
n_lb=$(dq "SELECT count(*) FROM pingsvc.flows f WHERE EXISTS (
             SELECT FROM pingsvc.flows g WHERE (g.vantage, g.target, g.proto) = (f.vantage, f.target, f.proto)
             AND g.cur_path[3] IS DISTINCT FROM f.cur_path[3])")
echo "# flows sharing (vantage, target, proto) on different ECMP branches: $n_lb"
is "$(dq "SELECT count(*) FROM pingsvc.route_changes WHERE detected_at < '$t_ecmp'
          AND (old_path[3] IN ('$R3A', '$R3B') OR new_path[3] IN ('$R3A', '$R3B'))")" 0 \
	"no route change on the ECMP branches (load balancing is not a change)"
is "$(dq "SELECT count(DISTINCT (vantage, target, proto, paris_id)) = count(DISTINCT (vantage, target, proto, paris_id, path[3]))
          FROM pingsvc.traces WHERE path[3] IN ('$R3A', '$R3B') AND ts < '$t_ecmp'")" t \
	"Paris traceroute: each flow kept to one ECMP branch (while r2 balanced)" \
	"$(dq "SELECT t.vantage, t.target, t.proto, t.paris_id, t.ts, t.path[3], t.result_id FROM pingsvc.traces t
	       JOIN (SELECT vantage, target, proto, paris_id FROM pingsvc.traces WHERE path[3] IN ('$R3A', '$R3B') AND ts < '$t_ecmp'
	             GROUP BY 1, 2, 3, 4 HAVING count(DISTINCT path[3]) > 1) m USING (vantage, target, proto, paris_id)
	      ORDER BY 1, 2, 3, 4, 5")
t_change $t_change t_back $t_back t_ecmp $t_ecmp"

# --- the route change ------------------------------------------------------------
before=$(dq "SELECT count(*) FROM pingsvc.traces WHERE target = '$TARGET' AND ts < '$t_change'
             AND array_length(path, 1) >= 7 AND path[5] IS NULL")
after=$(dq "SELECT count(*) FROM pingsvc.traces WHERE target = '$TARGET' AND ts > '$t_change' AND ts < '$t_back'
            AND path[5] = '$RD'")
[[ $before -gt 0 && $after -gt 0 ]]
result $? "traces to the target: * at TTL 5 before the change ($before), rd $RD after ($after)" \
	"$(dq "SELECT ts, vantage, proto, path FROM pingsvc.traces WHERE target = '$TARGET' ORDER BY ts")"
after_back=$(dq "SELECT count(*) FROM pingsvc.traces WHERE target = '$TARGET' AND ts > '$t_back'
                 AND array_length(path, 1) >= 7 AND path[5] IS NULL")
[[ $after_back -gt 0 ]]
result $? "after route-change back: * at TTL 5 again ($after_back traces)"
is "$(dq "SELECT count(*) FROM pingsvc.route_changes WHERE detected_at < '$t_ecmp'")" 0 \
	"* -> rd and rd -> * are no route changes (ROUTE-CHANGES.md: * matches anything)" \
	"$(dq "SELECT vantage, target, proto, paris_id, diverge_ttl, kind, old_path, new_path FROM pingsvc.route_changes")"
is "$(dq "SELECT coalesce(sum(transients), 0) FROM pingsvc.flows")" 0 \
	"no flow counted a transient"
# (Flows that changed at TTL 3 later took their new path from traces with *
# at TTL 5: only the others still show what the fill-in did.)
flows_t=$(dq "SELECT count(*) FROM pingsvc.flows WHERE target = '$TARGET' AND cur_reached_ttl = 7 AND changes = 0")
flows_rd=$(dq "SELECT count(*) FROM pingsvc.flows WHERE target = '$TARGET' AND cur_reached_ttl = 7 AND changes = 0 AND cur_path[5] = '$RD'")
[[ $flows_t -gt 0 && $flows_t == "$flows_rd" ]]
result $? "every flow to the target had its * at TTL 5 filled in with rd, and kept it after going back ($flows_rd of $flows_t)" \
	"$(dq "SELECT vantage, proto, paris_id, cur_path FROM pingsvc.flows WHERE target = '$TARGET'")"

# --- a route change that * does not hide: r2 stops balancing (ecmp-a) --------
# Flows that took r3b (their current path holds r3b at TTL 3, r4 at 4) and
# were traced at least twice (K = 2) on r3a afterwards must each yield one
# change r3b -> r3a, diverging at TTL 3 and rejoining at r4 (TTL 4), kind
# hop; after `back`, ECMP returns and the same flows go back to r3b: one
# change each again, the other way round.  Flows on r3a see nothing.
# expected_flows FROM TO T0 T1: flows whose last trace before T0 had FROM at
# TTL 3 and with at least two traces in [T0, T1), all with TO at TTL 3.
expected_flows()
{
	dq "SELECT f.vantage || '|' || host(f.target) || '|' || f.proto || '|' || f.paris_id
	      FROM (SELECT DISTINCT ON (vantage, target, proto, paris_id) vantage, target, proto, paris_id, path
	              FROM pingsvc.traces WHERE ts < '$3' ORDER BY vantage, target, proto, paris_id, ts DESC) f
	      JOIN pingsvc.traces t USING (vantage, target, proto, paris_id)
	     WHERE f.path[3] = '$1' AND t.ts >= '$3' AND t.ts < '$4'
	     GROUP BY 1 HAVING count(*) >= 2 AND bool_and(t.path[3] = '$2') ORDER BY 1"
}
# changes FROM TO T0 T1: the flows of the changes detected in [T0, T1) that
# match the expected shape; bad: those that do not.
changes()
{
	dq "SELECT vantage || '|' || host(target) || '|' || proto || '|' || paris_id FROM pingsvc.route_changes
	     WHERE detected_at >= '$3' AND detected_at < '$4' AND old_path[3] = '$1' AND new_path[3] = '$2'
	       AND diverge_ttl = 3 AND kind = 'hop'
	       AND (rejoin_ttl = 4 AND new_path[4] = '$R4' OR array_length(new_path, 1) = 3)
	     ORDER BY 1"
}
exp1=$(expected_flows "$R3B" "$R3A" "$t_ecmp" "$t_ecmp_back")
got1=$(changes "$R3B" "$R3A" "$t_ecmp" "$t_ecmp_back")
[[ -n $exp1 && $exp1 == "$got1" ]]
result $? "ECMP collapsed to r3a: one change per flow that was on r3b ($(wc -l <<<"$exp1") flows), diverge_ttl 3, rejoin_ttl 4 (r4), kind hop" \
	"expected:
$exp1
got:
$got1
all changes:
$(dq "SELECT vantage, target, proto, paris_id, detected_at, diverge_ttl, rejoin_ttl, kind, old_path, new_path FROM pingsvc.route_changes ORDER BY detected_at")"
exp2=$(expected_flows "$R3A" "$R3B" "$t_ecmp_back" infinity)
got2=$(changes "$R3A" "$R3B" "$t_ecmp_back" infinity)
[[ $exp2 == "$got2" ]]
result $? "ECMP back: the flows that return to r3b change back, once each ($(grep -c . <<<"$exp2") flows)" \
	"expected:
$exp2
got:
$got2"
is "$(dq "SELECT count(*) FROM pingsvc.route_changes")" "$(($(grep -c . <<<"$got1") + $(grep -c . <<<"$got2")))" \
	"no other route change (none for flows on r3a, none for * -> rd)"

# --- capabilities -------------------------------------------------------------------
is "$(dq "SELECT string_agg(DISTINCT j.proto, ',') FROM pingsvc.jobs j
          JOIN pingsvc.workers w USING (worker_id) WHERE w.name = 'lab-v2'")" tcp \
	"the worker without ICMP did only TCP jobs" \
	"$(dq "SELECT w.name, j.kind, j.proto, count(*) FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id) GROUP BY 1, 2, 3")"
is "$(dq "SELECT count(*) FROM pingsvc.results r JOIN pingsvc.workers w USING (worker_id)
          WHERE w.name = 'lab-v2' AND coalesce(r.body->>'proto', 'ICMP') <> 'TCP'")" 0 \
	"its results are all TCP"
is "$(dq "SELECT count(*) > 0 FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
          WHERE w.name = 'lab-v1' AND j.proto = 'icmp'")" t "the worker in v1 did ICMP jobs"
wrongv=$(dq "SELECT count(*) FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
             WHERE j.kind = 'traceroute' AND j.params->>'vantage' IS DISTINCT FROM w.name")
is "$wrongv" 0 "vantage diversity: each traceroute job was run by the vantage it names"

# --- exactly once -----------------------------------------------------------------
produced=$(demo_spooled_keys | wc -l)
uniq=$(demo_results_produced)
is "$(dq "SELECT count(*) FROM pingsvc.result_keys") $(dq "SELECT count(*) FROM pingsvc.results") $uniq" \
	"$produced $produced $produced" "each result stored exactly once: result_keys = results = results the workers logged ($produced)"
is "$(dq "SELECT count(*) FROM pingsvc.jobs WHERE state <> 'done'")" 0 "no job failed or left open" \
	"$(dq "SELECT job_id, kind, target, state, last_error FROM pingsvc.jobs WHERE state <> 'done'")"

rcs=
for v in $DEMO_VANTAGES; do
	kill -TERM "${DEMO_PID[$v]}"
	wait "${DEMO_PID[$v]}"
	rcs="$rcs$?"
	unset "DEMO_PID[$v]"
done
is "$rcs" 00 "SIGTERM: both workers exit 0" "$(logs)"
