#!/bin/bash
# TAP test: a fast ping sweep, where the loop sends batches of 8 or more
# and the sending helper thread (worker/sendhelp.c) sends half of each.
# The lab target answers for 198.19.0.0/16 (AnyIP route, as in
# tests/bench/worker); from lab vantage v1:
#
#   - 3,000 distinct addresses, no cap: every one answered, one result
#     per address in the order given, every reply matched (no late,
#     duplicate or foreign packet), RTTs from kernel stamps at both ends
#     (every probe has its send stamp) above 0 and below 1 s, and
#     sent = replies = 3,000 in the loop summary;
#   - the same with 2 probes each (two rounds of batches);
#   - RTTs agree with iputils ping's to the target (above 0, median at
#     most ping's maximum), and 200 traces report no RTT of 0, every
#     probe stamped (the lab kernel has no netem to add a known delay);
#   - the global cap holds with the helper: 1,500 probes at rate_pps
#     5,000 take at least 0.26 s of loop time (0.3 s less the 10 ms
#     bucket and slack), while uncapped they take far less.
#
# Needs root (the lab).  Runs in about 5 s.
#
#	prove -v tests/integration/worker_sweep.t
set -u

if [[ $(id -u) != 0 ]]; then
    echo "1..0 # SKIP the lab needs root (network namespaces)"
    exit 0
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${PINGSVC_TOP:-$(cd "$HERE/../.." && pwd)}
LAB=$TOP/tests/lab/lab
W=${PINGSVC_BIN:-$TOP/build/release/bin}/pingsvc-worker
if [[ ! -x $W ]]; then
    echo "Bail out! $W is not built (make all)"
    exit 1
fi
. "$HERE/tap.sh"
export PSL_LAB_PREFIX="psls$$-"
unset PSL_LAB_FAIL_AT
tmp=$(mktemp -d)
chmod 755 "$tmp"
cleanup() { "$LAB" down >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
lab() { "$LAB" "$@"; }

lab up >/dev/null
ok $? "lab up (prefix $PSL_LAB_PREFIX)"
TARGET=$(lab addr target)
lab exec target ip route add local 198.19.0.0/16 dev lo &&
    lab exec r6 ip route add 198.19.0.0/16 via "$TARGET"
ok $? "the target answers for 198.19.0.0/16"

N=3000
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
    printf "198.19.%d.%d\n", int(i / 250), i % 250 + 1 }' >"$tmp/sweep.txt"
printf 'rate_pps = 1000000;\ntarget_interval_ms = 0;\nallow = [ "198.18.0.0/15" ];\n' \
    >"$tmp/fast.conf"
printf 'rate_pps = 5000;\ntarget_interval_ms = 0;\nallow = [ "198.18.0.0/15" ];\n' \
    >"$tmp/capped.conf"
chmod 644 "$tmp"/*

# field NAME LOG -- a number from the loop's -d summary line.
field() { sed -n "s/.* $1 \\([0-9.]*\\).*/\\1/p" "$2"; }
loop_s() { sed -n 's/.* measurements in \([0-9.]*\) s .*/\1/p' "$1"; }

# sweep COUNT CONF OUT -- ping every address COUNT times.
sweep() {
    lab exec v1 "$W" -d -c "$2" ping --count "$1" --interval 5 --wait 1000 \
        --targets "$tmp/sweep.txt" >"$3.json" 2>"$3.log"
}

for count in 1 2; do
    sweep "$count" "$tmp/fast.conf" "$tmp/s$count"
    ok $? "sweep of $N addresses x $count, no cap: exit 0"
    is "$(wc -l <"$tmp/s$count.json")" "$N" "x $count: one result per address"
    is "$(grep -o '"dst_addr":"[^"]*"' "$tmp/s$count.json" | cut -d'"' -f4 | cmp - "$tmp/sweep.txt" && echo same)" \
        same "x $count: results in the order given"
    is "$(grep -c "\"sent\":$count,\"rcvd\":$count," "$tmp/s$count.json")" "$N" \
        "x $count: every probe answered"
    is "$(field sent "$tmp/s$count.log") $(field replies "$tmp/s$count.log")" \
        "$((N * count)) $((N * count))" "x $count: loop sent = replies = $((N * count))"
    is "$(field late "$tmp/s$count.log")/$(field dups "$tmp/s$count.log")/$(field foreign "$tmp/s$count.log")/$(field malformed "$tmp/s$count.log")" \
        "0/0/0/0" "x $count: no late, duplicate, foreign or malformed packet"
    bad=$(grep -o '"rtt":[0-9.]*' "$tmp/s$count.json" | cut -d: -f2 |
        awk '$1 <= 0 || $1 >= 1000' | wc -l)
    is "$bad" 0 "x $count: every RTT above 0 and below 1 s"
    is "$(field stamps "$tmp/s$count.log")" "$((N * count))" \
        "x $count: every probe has the kernel's send stamp"
done

# RTTs against iputils ping on the same path (v1 to the target, 7 hops):
# ping's send time is read in user space before sendto, so ping's RTTs
# include system-call time ours (kernel stamps at both ends) do not;
# ours must be above 0 and the median at most ping's maximum.
pmax=$(lab exec v1 ping -n -q -c 20 -i 0.01 "$TARGET" |
    sed -n 's|.* = [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p')
lab exec v1 "$W" -c "$tmp/fast.conf" ping --count 20 --interval 10 \
    "$TARGET" >"$tmp/p.json"
ok $? "20 pings of the target"
ours=$(grep -o '"rtt":[0-9.]*' "$tmp/p.json" | cut -d: -f2 | sort -g)
is "$(wc -l <<<"$ours")" 20 "20 RTTs"
awk -v m="$pmax" '{ v[NR] = $1 } END { exit !(v[1] > 0 && v[int((NR + 1) / 2)] <= m) }' <<<"$ours"
ok $? "RTTs above 0, median $(sed -n 10p <<<"$ours") ms at most ping's maximum ${pmax} ms"

# Traces: every hop's RTT above 0 (the first hop's round trip takes a
# few µs here), every probe stamped.
head -n 200 "$tmp/sweep.txt" >"$tmp/t.txt"
lab exec v1 "$W" -d -c "$tmp/fast.conf" trace --packets 1 --wait 1000 \
    --max-hops 8 --targets "$tmp/t.txt" >"$tmp/t.json" 2>"$tmp/t.log"
ok $? "200 traces: exit 0"
is "$(grep -o '"rtt":[0-9.]*' "$tmp/t.json" | cut -d: -f2 | awk '$1 <= 0' | wc -l)" 0 \
    "traces: no RTT is 0"
is "$(field stamps "$tmp/t.log")" "$(field sent "$tmp/t.log")" \
    "traces: every probe sent has the kernel's send stamp"

# The cap: 1,500 probes at 5,000/s.
head -n 1500 "$tmp/sweep.txt" >"$tmp/capped.txt"
lab exec v1 "$W" -d -c "$tmp/capped.conf" ping --count 1 --wait 1000 \
    --targets "$tmp/capped.txt" >"$tmp/c.json" 2>"$tmp/c.log"
ok $? "1,500 probes at rate_pps 5000: exit 0"
secs=$(loop_s "$tmp/c.log")
awk -v s="$secs" 'BEGIN { exit !(s >= 0.26) }'
ok $? "the cap holds: 1,500 probes took ${secs} s (at least 0.26 s)"
is "$(grep -c '"rcvd":1' "$tmp/c.json")" 1500 "capped: every probe answered"

done_testing
