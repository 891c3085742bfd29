#!/bin/bash
# TAP test of pingsvc-worker's one-shot mode in the network lab
# (tests/lab/README.md): Paris traceroute over ICMP agrees hop by hop with
# scamper's icmp-paris; UDP and TCP Paris reach both ECMP branches across
# paris ids and keep one branch per paris id; ICMP and TCP ping; the
# missing host; the safety rule refuses before any packet leaves; every
# result line decodes with the project's result decoder
# (`pingsvc-worker check`, lib/result.c); IPv6 on the loopback of a
# private namespace.  Runs in about 20 s.  Needs root, iproute2,
# util-linux (setpriv, unshare) and, for the comparison, scamper.
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
# Our own namespaces: never touch a lab somebody else is using.
export PSL_LAB_PREFIX="pslw$$-"
unset PSL_LAB_FAIL_AT
tmp=$(mktemp -d)
cleanup() { "$LAB" down >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "1..31"
n=0
result() {
    n=$((n + 1))
    if [[ $1 == 0 ]]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        [[ -n ${3:-} ]] && sed 's/^/# /' <<<"$3"
    fi
    return 0
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
lab() { "$LAB" "$@"; }
ALLOW=(--allow 198.18.0.0/15)
# wk NODE ARGS...: run the worker in NODE; stdout is the result line.
wk() { local node=$1; shift; lab exec "$node" "$W" "$@"; }
# summary FILE: the decoded, summarised result (fails when it does not
# decode with lib/result's wire-mode decoder).
summary() { "$W" check <"$1"; }
hop_of() { awk -v h="$2" '$1 == "hop" && $2 == h { print $3 }' <<<"$1"; }

out=$(lab up 2>&1)
result $? "lab up (prefix $PSL_LAB_PREFIX)" "$out"
TARGET=$(lab addr target) TCP=$(lab addr tcp-only) MISSING=$(lab addr missing)
R3A=$(lab addr r3a) R3B=$(lab addr r3b)

# --- Paris ICMP against scamper -----------------------------------------------
wk v1 trace "${ALLOW[@]}" --packets 1 --wait 1000 "$TARGET" >"$tmp/icmp.json" 2>"$tmp/err"
rc=$?
sum=$(summary "$tmp/icmp.json" 2>&1)
result $((rc || $?)) "trace icmp v1 -> target: exit 0 and the line decodes" "$sum$(cat "$tmp/err")"
mapfile -t ours < <(awk '$1 == "hop" { print $3 }' <<<"$sum")
[[ ${#ours[@]} == 7 && ${ours[4]} == "*" && ${ours[6]} == "$TARGET" ]]
result $? "trace icmp: 7 hops, silent r5 as * at TTL 5, target at TTL 7" "$sum"

if command -v scamper >/dev/null; then
    sc=$(lab exec v1 scamper -c "trace -P icmp-paris -q 1 -w 1" -i "$TARGET" 2>&1)
    mapfile -t theirs < <(awk 'NR > 1 { print $2 }' <<<"$sc")
    [[ ${#theirs[@]} -gt 0 && "${ours[*]}" == "${theirs[*]}" ]]
    result $? "trace icmp agrees hop by hop with scamper icmp-paris" \
        "ours:   ${ours[*]}"$'\n'"scamper: ${theirs[*]}"
else
    skip "scamper is not installed (apt-get install scamper)"
fi

# --- many traces at once: interleaved queue, distance hints --------------------
# Sixteen traces of the target in one run, all started together: their
# probes are interleaved at random; once the target answers at TTL 7 (the
# hint for its /24), the probes above it wait and are cancelled.  Every
# trace must find the hops of the single trace above, with at most 14 probes
# beyond the target in all (the minimum is 16 x 7 = 112; without hints,
# each trace sends those of TTLs 8..32 that come before every lower one of
# 7..32 in its random order: 2.8 on average, about 157 in all).
printf 'rate_pps = 400;\ntarget_interval_ms = 0;\n' >"$tmp/many.conf"
for i in $(seq 16); do echo "$TARGET"; done >"$tmp/many.txt"
chmod 644 "$tmp/many.conf" "$tmp/many.txt"
wk v1 -d -c "$tmp/many.conf" trace "${ALLOW[@]}" --packets 1 --wait 1000 \
    --targets "$tmp/many.txt" >"$tmp/many.json" 2>"$tmp/many.log"
rc=$?
sum=$(summary "$tmp/many.json" 2>&1)
bad=0
for i in $(seq 16); do
    got=$(awk -v i="$i" '$1 == "trace" { t++ } t == i && $1 == "hop" { print $3 }' <<<"$sum" | tr '\n' ' ')
    [[ $got == "${ours[*]} " ]] || bad=1
done
result $((rc || bad)) "trace --targets: 16 traces at once, each with the single trace's hops" \
    "$sum"$'\n'"$(cat "$tmp/many.log")"
sent=$(sed -n 's/.* sent \([0-9]*\),.*/\1/p' "$tmp/many.log")
[[ -n $sent && $sent -ge 112 && $sent -le 126 ]]
result $? "trace --targets: distance hints cancel probes beyond the target ($sent sent)" \
    "$(cat "$tmp/many.log")"

# --- UDP and TCP Paris: ECMP branches by paris_id ------------------------------
# branch PROTO ID: the TTL 3 hop of a one-probe trace with that paris id.
branch() {
    wk v1 trace --proto "$1" --paris-id "$2" "${ALLOW[@]}" --first-hop 3 \
        --max-hops 3 --packets 1 --wait 1000 "$TARGET" >"$tmp/b.json" &&
        hop_of "$(summary "$tmp/b.json")" 3
}
for proto in udp tcp; do
    seen=""
    for id in $(seq 0 15); do seen+="$(branch $proto "$id") "; done
    got=$(tr ' ' '\n' <<<"$seen" | grep . | sort -u | tr '\n' ' ')
    [[ $got == "$R3A $R3B " || $got == "$R3B $R3A " ]]
    result $? "trace $proto: 16 paris ids reach both ECMP branches ($got)" "$seen"

    bad=0 runs=""
    for id in 1 2 7; do
        one=""
        for _ in 1 2 3; do one+="$(branch $proto "$id") "; done
        runs+="paris_id $id: $one"$'\n'
        [[ $(tr ' ' '\n' <<<"$one" | grep . | sort -u | wc -l) == 1 ]] || bad=1
    done
    result $bad "trace $proto: the same paris id takes the same branch every run" "$runs"
done

wk v1 trace --proto udp --paris-id 3 "${ALLOW[@]}" --packets 2 --wait 1000 "$TARGET" >"$tmp/udp.json"
sum=$(summary "$tmp/udp.json" 2>&1)
[[ $(hop_of "$sum" 7) == "$TARGET" && $(grep -c '^hop' <<<"$sum") == 7 ]] &&
    grep -q '"paris_id":3' "$tmp/udp.json" && grep -q '"port":33435' "$tmp/udp.json"
result $? "trace udp: ends at the target (port unreachable), paris_id and port in the result" "$sum"

# With the kernel's ICMP rate limits on, the target answers only a few of
# the UDP probes that reach it at once (every TTL is in flight together);
# its port unreachables quote the probe's remaining TTL, from which the
# worker still ends the trace at the target's distance, not beyond.
lab ratelimit on
sleep 3 # the per-peer buckets start empty; let them earn a few tokens
wk v1 trace --proto udp "${ALLOW[@]}" --wait 1000 "$TARGET" >"$tmp/rl.json"
sum=$(summary "$tmp/rl.json" 2>&1)
lab ratelimit off
[[ $(grep -c '^hop' <<<"$sum") == 7 ]]
result $? "trace udp under ICMP rate limits (3 probes x 32 TTLs) still ends at TTL 7" "$sum"

wk v1 trace --proto tcp --port 80 "${ALLOW[@]}" --packets 1 --wait 1000 "$TCP" >"$tmp/tcp.json"
sum=$(summary "$tmp/tcp.json" 2>&1)
[[ $(hop_of "$sum" 7) == "$TCP" ]]
result $? "trace tcp to tcp-only:80 ends at the target (SYN-ACK)" "$sum"

# --- ping ----------------------------------------------------------------------
wk v2 ping "${ALLOW[@]}" --count 3 --interval 100 "$TARGET" >"$tmp/p1.json"
rc=$?
sum=$(summary "$tmp/p1.json" 2>&1)
[[ $rc == 0 && $sum == "ping ICMP $TARGET src "*" sent 3 rcvd 3"* ]]
result $? "ping icmp v2 -> target: 3 sent, 3 received" "$sum"

wk v2 ping --proto tcp --port 80 "${ALLOW[@]}" --count 3 --interval 100 "$TCP" >"$tmp/p2.json"
sum=$(summary "$tmp/p2.json" 2>&1)
[[ $sum == *"sent 3 rcvd 3"* ]] && grep -q '"proto":"TCP"' "$tmp/p2.json"
result $? "ping tcp v2 -> tcp-only:80: every SYN answered" "$sum"

wk v2 ping "${ALLOW[@]}" --count 2 --interval 100 --wait 500 "$TCP" >"$tmp/p3.json"
rc=$?
sum=$(summary "$tmp/p3.json" 2>&1)
[[ $rc == 0 && $sum == *"sent 2 rcvd 0"* ]]
result $? "ping icmp v2 -> tcp-only: no reply, still exit 0 with a result" "$sum"

wk v2 ping --proto tcp --port 81 "${ALLOW[@]}" --count 1 "$TCP" >"$tmp/p4.json"
sum=$(summary "$tmp/p4.json" 2>&1)
[[ $sum == *"sent 1 rcvd 1"* ]]
result $? "ping tcp to a closed port: the RST counts as an answer" "$sum"

# --- the missing host ----------------------------------------------------------
wk v1 ping "${ALLOW[@]}" --count 2 --interval 100 --wait 500 "$MISSING" >"$tmp/m1.json"
rc=$?
sum=$(summary "$tmp/m1.json" 2>&1)
[[ $rc == 0 && $sum == *"sent 2 rcvd 0"* ]]
result $? "ping missing: timeouts, exit 0" "$sum"

wk v1 trace "${ALLOW[@]}" --packets 1 --wait 1000 --gap-limit 3 "$MISSING" >"$tmp/m2.json"
rc=$?
sum=$(summary "$tmp/m2.json" 2>&1)
[[ $rc == 0 && $(hop_of "$sum" 6) == "$(lab addr r6)" && $(hop_of "$sum" 7) == "*" &&
   $(grep -c "^hop" <<<"$sum") == 9 ]] && ! grep -q "^hop.* $MISSING" <<<"$sum"
result $? "trace missing: r6 at TTL 6, then stars until the gap limit (3)" "$sum"

# --- safety rule ---------------------------------------------------------------
# Packets sent by v1's only interface (to r1), from the kernel's counters.
txp() {
    lab exec v1 ip -s link show r1 | awk '/TX:/ { getline; print $2; exit }'
}
before=$(txp)
msg=$(wk v1 ping 10.0.0.1 2>&1 >/dev/null)
rc=$?
after=$(txp)
[[ $rc == 2 && $msg == *"refusing 10.0.0.1"*"private"* && -n $before && $before == "$after" ]]
result $? "ping 10.0.0.1 is refused: exit 2, message, no packet left v1 ($before -> $after)" "$msg"

before=$(txp)
msg=$(wk v1 trace "$TARGET" 2>&1 >/dev/null)
rc=$?
after=$(txp)
[[ $rc == 2 && $msg == *"refusing $TARGET"*"--allow"* && -n $before && $before == "$after" ]]
result $? "trace of the lab target without --allow is refused (exit 2), nothing sent" "$msg"

# Refusal happens before any socket is opened: an unprivileged user, who
# could open none, gets the refusal (2), not the socket error (1).
msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$W" ping 10.0.0.1 2>&1)
rc=$?
[[ $rc == 2 ]]
result $? "refusal comes before opening raw sockets (unprivileged: exit 2)" "$msg"
msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$W" ping "${ALLOW[@]}" "$TARGET" 2>&1)
rc=$?
[[ $rc == 1 && $msg == *"CAP_NET_RAW"* ]]
result $? "without CAP_NET_RAW an allowed ping fails clearly (exit 1)" "$msg"

# --- several targets in one run --------------------------------------------------
printf '%s\n' "# three targets" "$TARGET" "$TCP" "$MISSING" >"$tmp/targets.txt"
chmod 644 "$tmp/targets.txt"
wk v1 ping "${ALLOW[@]}" --count 1 --wait 500 --targets "$tmp/targets.txt" >"$tmp/multi.json"
rc=$?
sum=$(summary "$tmp/multi.json" 2>&1)
[[ $rc == 0 && $(grep -c '^ping ICMP' <<<"$sum") == 3 &&
   $(sed -n 1p <<<"$sum") == "ping ICMP $TARGET "*"rcvd 1" &&
   $(grep -c 'rcvd 0' <<<"$sum") == 2 ]]
result $? "ping --targets: one result line per address, in order" "$sum"

printf '%s\n' "$TARGET" 10.1.2.3 >"$tmp/bad-targets.txt"
chmod 644 "$tmp/bad-targets.txt"
before=$(txp)
msg=$(wk v1 trace "${ALLOW[@]}" --targets "$tmp/bad-targets.txt" 2>&1 >/dev/null)
rc=$?
after=$(txp)
[[ $rc == 2 && $msg == *"refusing 10.1.2.3"* && -n $before && $before == "$after" ]]
result $? "trace --targets with one refused address sends nothing (exit 2)" "$msg"

# --- IPv6, on the loopback of a private network namespace ---------------------
# (the lab is IPv4 only; nothing here leaves that namespace's lo)
v6() { unshare -n sh -c 'ip link set lo up && exec "$@"' v6 "$W" "$@"; }
v6 ping --allow ::1/128 --count 2 --interval 50 ::1 >"$tmp/v6a.json" 2>"$tmp/err"
v6 ping --proto tcp --port 9 --allow ::1/128 --count 1 ::1 >"$tmp/v6b.json" 2>>"$tmp/err"
v6 trace --proto udp --packets 2 --wait 500 --allow ::1/128 ::1 >"$tmp/v6c.json" 2>>"$tmp/err"
sum=$(cat "$tmp"/v6[abc].json | summary /dev/stdin 2>&1)
[[ $(grep -c '^ping ICMP ::1 src ::1 sent 2 rcvd 2' <<<"$sum") == 1 &&
   $(grep -c '^ping TCP ::1 .* sent 1 rcvd 1' <<<"$sum") == 1 &&
   $(grep -c '^hop 1 ::1 ::1$' <<<"$sum") == 1 ]] && grep -q '"af":6' "$tmp/v6a.json"
result $? "IPv6 on loopback: ICMPv6 ping, TCP ping (RST), UDP trace ending at ::1" "$sum$(cat "$tmp/err")"
msg=$(v6 ping ::1 2>&1)
[[ $? == 2 && $msg == *"refusing ::1"*"loopback"* ]]
result $? "IPv6: ::1 without --allow is refused (exit 2)" "$msg"

# --- usage, config, selftest ---------------------------------------------------
msg=$("$W" ping --count 0 "$TARGET" 2>&1)
rc=$?
msg2=$("$W" trace --proto gre "$TARGET" 2>&1)
rc2=$?
[[ $rc == 1 && $msg == *"--count"* && $rc2 == 1 && $msg2 == *"--proto"* ]]
result $? "bad arguments: exit 1 naming the option" "$msg"$'\n'"$msg2"

printf 'rate_pps = 500;\nallow = [ "198.18.0.0/15" ];\nuser = "nobody";\n' >"$tmp/ok.conf"
chmod 644 "$tmp/ok.conf"
wk v1 -c "$tmp/ok.conf" ping --count 1 "$TARGET" >"$tmp/c.json" 2>"$tmp/err"
sum=$(summary "$tmp/c.json" 2>&1)
[[ $sum == *"rcvd 1"* ]]
result $? "-c CONFIG: the config's allow list permits the lab" "$sum$(cat "$tmp/err")"

printf 'rate_ppps = 500;\n' >"$tmp/bad.conf"
msg=$("$W" -c "$tmp/bad.conf" ping "$TARGET" 2>&1)
[[ $? == 1 && $msg == *"rate_ppps"* ]]
result $? "-c CONFIG: an unknown key is an error naming it" "$msg"

out=$(lab exec v1 "$W" selftest 2>&1)
[[ $out == *'"caps":{"icmp":true,"tcp":true'* ]] && "$W" --version | grep -q '^pingsvc-worker '
result $? "selftest prints JSON capabilities; --version works" "$out"

[[ $n == 31 ]] || echo "# ran $n tests, planned 31"
