#!/bin/bash
# TAP test of the network lab (tests/lab/lab): topology, ECMP, the silent
# router, the targets, route-change, exec, and clean teardown (also after a
# failed `up`).  Runs in well under 30 s.  Needs root, iproute2, traceroute,
# iputils-ping and perl-base.
set -u

if [[ $(id -u) != 0 ]]; then
    echo "1..0 # SKIP lab needs root (network namespaces)"
    exit 0
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/../lab/lab
# Our own namespace prefix: the test never touches a lab that a developer
# (or another test) runs under the default prefix, and vice versa.
export PSL_LAB_PREFIX="pslt$$-"
unset PSL_LAB_FAIL_AT

for tool in traceroute ping ip perl timeout; do
    if ! command -v "$tool" >/dev/null; then
        echo "Bail out! $tool is not installed (see tests/lab/README.md)"
        exit 1
    fi
done

cleanup() { "$LAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "1..22"
n=0
# result STATUS DESC [DIAG]: print one TAP line (STATUS 0 = ok); on failure
# DIAG (e.g. the traceroute output) follows as TAP comments.
result() {
    n=$((n + 1))
    if [[ $1 == 0 ]]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        [[ -n ${3:-} ]] && diag <<<"$3"
    fi
    return 0
}
# t DESC CMD...: one test that passes when CMD succeeds (output: diagnostics)
t() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    result $rc "$desc" "$out"
}
# alive PID: the process exists and is not a zombie (a killed listener is
# reparented to PID 1, which may reap it late; kill -0 succeeds on zombies).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}
diag() { sed 's/^/# /'; }
lab() { "$LAB" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# hops OUTPUT: the address column of a traceroute -n -q 1 output, one a line
hops() { awk 'NR > 1 { print $2 }' <<<"$1"; }
lab_ns_count() { ip netns list | awk -v p="$PSL_LAB_PREFIX" 'index($1, p) == 1' | wc -l; }
# Pids of this test's lab TCP listeners, found by command line because a
# failed `up` leaves no namespace to ask (the listener gets the namespace
# name as a spare argument).
listener_pids() {
    local f cmd
    for f in /proc/[0-9]*/cmdline; do
        cmd=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
        if [[ $cmd == perl* && $cmd == *"lab listener"* && $cmd == *" ${PSL_LAB_PREFIX}tcponly "* ]]; then
            f=${f#/proc/}
            echo "${f%/cmdline}"
        fi
    done
}
# Flags: numeric, one probe per hop, one probe at a time, 1 s wait: fast and
# deterministic.  -I (ICMP echo) for path tests: every ICMP echo from one
# source to one target hashes alike at the ECMP router.
TR=(traceroute -n -q 1 -w 1 -N 1)

# --- up ----------------------------------------------------------------------
start=$(now_ms)
out=$(lab up 2>&1)
rc=$?
took=$(( $(now_ms) - start ))
result $rc "lab up succeeds" "$out"
[[ $took -lt 5000 ]]
result $? "lab up takes under 5 s (${took} ms)"

out=$(lab status 2>&1)
rc=$?
[[ $rc == 0 && $out == *"lab: up"* && $out == *"route: normal"* && $out == *"198.18.1.10/24"* ]]
result $? "lab status lists namespaces, addresses and the normal route" "$out"

# Addresses every test relies on (the plan is constant).
V1=$(lab addr v1) TARGET=$(lab addr target) TCP=$(lab addr tcp-only) MISSING=$(lab addr missing)
R1=$(lab addr r1) R2=$(lab addr r2) R3A=$(lab addr r3a) R3B=$(lab addr r3b)
R4=$(lab addr r4) R5=$(lab addr r5) R6=$(lab addr r6) RD=$(lab addr detour)
[[ $V1 == 198.18.1.10 && $TARGET == 198.18.100.10 && $TCP == 198.18.100.20 &&
   $MISSING == 198.18.100.99 && $R3A != "$R3B" && $(lab addr target-net) == 198.18.100.0/24 ]]
result $? "lab addr prints the plan's addresses"

out=$(lab exec v1 ip -4 -o addr show 2>&1)
[[ $out == *" $V1/24 "* ]] && ! ip -4 -o addr show | grep -q " $V1/"
result $? "lab exec v1 runs the command inside v1's namespace"

# --- path --------------------------------------------------------------------
out=$(lab exec v1 "${TR[@]}" -I -m 10 "$TARGET" 2>&1)
mapfile -t got < <(hops "$out")
[[ ${#got[@]} == 7 && ${got[0]} == "$R1" && ${got[1]} == "$R2" &&
   ( ${got[2]} == "$R3A" || ${got[2]} == "$R3B" ) && ${got[3]} == "$R4" &&
   ${got[4]} == "*" && ${got[5]} == "$R6" && ${got[6]} == "$TARGET" ]]
result $? "traceroute v1 -> target: r1 r2 r3a|r3b r4 * r6 target" "$out"

# The silent router is alive (answers ping), it only never says TTL expired.
t "silent router r5 is alive: answers ping (only TTL expiry is silent)" \
    lab exec v1 ping -n -q -c 1 -W 2 "$R5"

# --- ECMP --------------------------------------------------------------------
# A flow = UDP to fixed port 53 (-U) from a fixed source port: every probe of
# one traceroute is the same 5-tuple (Paris traceroute).  Only TTL 3 (the
# branch) is probed.
seen=""
for i in $(seq 0 15); do
    out=$(lab exec v1 "${TR[@]}" -U -p 53 --sport=$((40000 + i)) -f 3 -m 3 "$TARGET" 2>&1)
    seen+="$(hops "$out")"$'\n'
done
branches=$(sort -u <<<"$seen" | grep -v '^$' | tr '\n' ' ')
[[ $branches == "$R3A $R3B " || $branches == "$R3B $R3A " ]]
result $? "ECMP: 16 flows see both branches r3a and r3b ($branches)" "$seen"

stable=0
for sport in 40001 40002; do
    runs=""
    for _ in 1 2 3 4 5 6; do
        out=$(lab exec v1 "${TR[@]}" -U -p 53 --sport=$sport -f 3 -m 4 "$TARGET" 2>&1)
        runs+="$(hops "$out" | tr '\n' ' ')"$'\n'
    done
    [[ $(sort -u <<<"$runs" | grep -c .) == 1 ]] || { stable=1; diag <<<"$runs"; }
done
result $stable "ECMP: a single flow keeps its path over repeated runs"

# --- targets -----------------------------------------------------------------
t "ping v2 -> echo target works" lab exec v2 ping -n -q -c 1 -W 2 "$TARGET"
! lab exec v2 ping -n -q -c 2 -i 0.2 -W 1 "$TCP" >/dev/null 2>&1
result $? "ping v2 -> tcp-only target gets no reply"

# bash /dev/tcp connects only on SYN-ACK (a RST would fail the connect).
# shellcheck disable=SC2016  # expanded by the inner bash
out=$(lab exec v2 timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/80" && cat <&3' "$TCP" 2>&1)
[[ $out == "HTTP/1.0 200 OK"* ]]
result $? "TCP connect v2 -> tcp-only:80 succeeds (SYN-ACK, HTTP answer)"

# shellcheck disable=SC2016  # expanded by the inner bash
! lab exec v1 ping -n -q -c 1 -W 1 "$MISSING" >/dev/null 2>&1 &&
    ! lab exec v1 timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/80"' "$MISSING" 2>/dev/null
result $? "missing address answers neither ping nor TCP"

# --- route change ------------------------------------------------------------
lab route-change
rc=$?
out=$(lab exec v1 "${TR[@]}" -I -m 10 "$TARGET" 2>&1)
mapfile -t got < <(hops "$out")
[[ $rc == 0 && ${#got[@]} == 7 && ${got[3]} == "$R4" && ${got[4]} == "$RD" &&
   ${got[5]} == "$R6" && ${got[6]} == "$TARGET" && " ${got[*]} " != *" * "* ]]
result $? "route-change: traceroute goes r4 -> detour rd -> r6, no silent hop" "$out"

out=$(lab status 2>&1)
[[ $out == *"route: changed"* ]]
result $? "lab status reports the changed route"

lab route-change back
rc=$?
out=$(lab exec v1 "${TR[@]}" -I -m 10 "$TARGET" 2>&1)
mapfile -t got < <(hops "$out")
[[ $rc == 0 && ${#got[@]} == 7 && ${got[4]} == "*" && ${got[5]} == "$R6" &&
   " ${got[*]} " != *" $RD "* ]]
result $? "route-change back restores the path through the silent router" "$out"

# --- rate limits -------------------------------------------------------------
rl_of() { lab exec "$1" cat /proc/sys/net/ipv4/icmp_ratelimit; }
lab ratelimit on && [[ $(rl_of r1) == 1000 && $(rl_of target) == 1000 ]] &&
    lab ratelimit off && [[ $(rl_of r1) == 0 && $(rl_of r6) == 0 ]]
result $? "ratelimit on restores kernel defaults, off disables them"

# --- idempotence and teardown ------------------------------------------------
old_pids=$(ip netns pids "$(lab ns tcponly)" | tr '\n' ' ')
out=$(lab up 2>&1)
rc=$?
new_pids=$(ip netns pids "$(lab ns tcponly)" | tr '\n' ' ')
gone=0
for p in $old_pids; do alive "$p" && gone=1; done
[[ $rc == 0 && $(lab_ns_count) == 12 && -n $new_pids && $gone == 0 ]]
result $? "lab up again rebuilds the lab (old listener gone, one new one)" "$out"

lab_pids=""
for ns in $(ip netns list | awk -v p="$PSL_LAB_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    lab_pids+="$(ip netns pids "$ns" | tr '\n' ' ')"
done
lab down
rc=$?
alive=0
for p in $lab_pids; do alive "$p" && alive=1; done
[[ $rc == 0 && $(lab_ns_count) == 0 && -n $lab_pids && $alive == 0 ]]
result $? "lab down leaves no lab namespace and no process that ran inside"

t "lab down is idempotent (nothing up)" lab down

! lab status >/dev/null 2>&1
result $? "lab status exits non-zero when the lab is down"

# A failure late in `up` (after the listener started) must clean up too.
before=$(listener_pids | sort | tr '\n' ' ')
PSL_LAB_FAIL_AT=listener lab up >/dev/null 2>&1
rc=$?
after=$(listener_pids | sort | tr '\n' ' ')
[[ $rc != 0 && $(lab_ns_count) == 0 && $after == "$before" ]]
result $? "a failed lab up removes its namespaces and kills its processes"

[[ $n == 22 ]] || echo "# ran $n tests, planned 22"
