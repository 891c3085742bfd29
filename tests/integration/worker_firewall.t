#!/bin/bash
# TAP test: the worker's capability report when a firewall rule in its
# vantage namespace drops ICMP.  An nftables table in lab vantage v1 drops
# every ICMP packet in and out; then
#
#   - `pingsvc-worker selftest` there reports icmp (and udp, icmp_paris)
#     false, tcp true, and "firewall": {"icmp": "blocked"}, exit 1;
#   - a ping whose every send the rule refuses (EPERM) reports "sent": 0
#     and "send failed: Operation not permitted" for each probe;
#   - `pingsvc-worker run` (enrolled for icmp,udp,tcp, so only its own
#     report narrows it) claims with caps [tcp], its heartbeat records
#     reported_caps {tcp}, and the real gateway hands it only the TCP jobs:
#     the ICMP and UDP jobs stay ready while the TCP ones are done;
#   - once the rule is removed, the self-test reports ICMP again and a
#     restarted worker does the ICMP and UDP jobs too (so the first half
#     could fail);
#   - a rule dropping ICMP on every interface but lo: the loopback test
#     passes ("icmp_egress": "untested" without selftest_address), while
#     with selftest_address (the lab target) the self-test reports
#     "icmp_egress": "blocked" and icmp false; without the rule, "passes".
#
# The gateway runs in v1 too (127.0.0.1:8443 there), PostgreSQL through
# its unix socket.  Needs root (the lab), nft (Debian package nftables), a
# database (tests/pg/with-pg), curl and openssl.  Runs in about 15 s.
#
#	tests/pg/with-pg prove -v tests/integration/worker_firewall.t
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
LAB=$TOP/tests/lab/lab
BIN=${PINGSVC_BIN:-$TOP/build/release/bin}
W=$BIN/pingsvc-worker
GW=$BIN/pingsvc-ingest
for b in "$W" "$GW"; do
    if [[ ! -x $b ]]; then
        echo "1..0 # SKIP $b is not built"
        exit 0
    fi
done
for t in nft curl openssl; do
    if ! command -v "$t" >/dev/null; then
        echo "1..0 # SKIP $t is not installed (make deps)"
        exit 0
    fi
done
. "$HERE/tap.sh"
# okd STATUS DESCRIPTION DIAGNOSTICS -- ok, showing DIAGNOSTICS on failure.
okd() {
    ok "$1" "$2"
    [[ $1 == 0 ]] || sed 's/^/# /' <<<"$3"
}

export PSL_LAB_PREFIX="pslf$$-"
unset PSL_LAB_FAIL_AT
FW=pingsvc_t_fw
labgw_name=wf
. "$HERE/labgw.sh"
wk=
labgw_cleanup_hook() {
    [[ -n $wk ]] && kill -9 "$wk" 2>/dev/null && wait "$wk" 2>/dev/null
    "$LAB" exec v1 nft delete table inet "$FW" >/dev/null 2>&1
}

out=$(lab up 2>&1)
okd $? "lab up (prefix $PSL_LAB_PREFIX)" "$out"
TARGET=$(lab addr target) TCP=$(lab addr tcp-only)

labgw_db
ok $? "database $db migrated, gateway role"

labgw_cert 127.0.0.1
labgw_conf 127.0.0.1 8443 "db_pool = 2;" "threads = 4;" "lease_s = 120;"
labgw_enroll lab-v1 "$tmp/token"
mkdir -p "$tmp/spool"
chown nobody "$tmp/spool"
cat >"$tmp/worker.conf" <<EOF
rate_pps = 2000;
target_interval_ms = 0;
user = "nobody";
allow = [ "198.18.0.0/15" ];
gateway_url = "https://127.0.0.1:8443";
token_file = "$tmp/token";
ca_file = "$tmp/cert.pem";
spool_dir = "$tmp/spool";
claim_max = 20;
heartbeat_s = 1;
idle_s = 1;
http_timeout_s = 5;
backoff_max_s = 2;
stop_grace_s = 5;
metrics_listen = "127.0.0.1:9101";
EOF

labgw_start v1 127.0.0.1 8443
okd $? "gateway serves HTTPS in v1" "$(cat "$tmp/gw.log")"

# --- the rule ---------------------------------------------------------------------
lab exec v1 nft -f - <<EOF
table inet $FW {
    chain in { type filter hook input priority 0; meta l4proto icmp drop; }
    chain out { type filter hook output priority 0; meta l4proto icmp drop; }
}
EOF
ok $? "nft table in v1 drops ICMP in and out"
out=$(lab exec v1 ping -n -c 1 -W 1 "$TARGET" 2>&1)
fails $? "the rule works: ping(8) from v1 gets nothing"

st=$(lab exec v1 "$W" selftest 2>&1)
rc=$?
is "$rc" 1 "selftest: exit 1 (no ICMP)"
like "$st" '"caps":\{"icmp":false,"tcp":true,"udp":false,"icmp_paris":false,' \
    "selftest: icmp, udp, icmp_paris false, tcp true"
like "$st" '"firewall":\{"icmp":"blocked","tcp":"passes","icmp_egress":"untested"\}' \
    "selftest: the firewall blocks ICMP, TCP passes (no selftest_address: egress untested)"

# Every send refused (EPERM from the output rule): nothing counts as sent.
out=$(lab exec v1 "$W" -c "$tmp/worker.conf" ping --count 3 --interval 10 \
    --wait 300 "$TARGET" 2>"$tmp/eperm.log")
is "$?" 0 "ping with every send refused: exit 0 (a result)"
like "$out" '"sent":0,"rcvd":0,' "ping with every send refused: sent 0, rcvd 0"
like "$out" '"result":\[\{"error":"send failed: Operation not permitted"\},\{"error":"send failed: Operation not permitted"\},\{"error":"send failed: Operation not permitted"\}\]' \
    "ping with every send refused: each probe says send failed (EPERM)"
like "$(cat "$tmp/eperm.log")" '3 probes could not be sent \(Operation not permitted\)' \
    "ping with every send refused: warned on stderr"

# --- the daemon gets TCP jobs only --------------------------------------------
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, port, params) VALUES
   ('ping', '$TARGET', 'icmp', 'icmp', NULL, '{\"packets\": 2, \"timeout_ms\": 500}'),
   ('traceroute', '$TARGET', 'icmp', 'icmp', NULL, '{\"timeout_ms\": 1000, \"packets\": 1}'),
   ('traceroute', '$TARGET', 'udp', 'udp', 33435, '{\"timeout_ms\": 1000, \"packets\": 1}'),
   ('ping', '$TCP', 'tcp', 'tcp', 80, '{\"packets\": 2, \"timeout_ms\": 500}'),
   ('traceroute', '$TCP', 'tcp', 'tcp', 80, '{\"timeout_ms\": 1000, \"packets\": 1}')" >/dev/null
"$LAB" exec v1 "$W" -d -c "$tmp/worker.conf" run 2>>"$tmp/w1.log" &
wk=$!
tcp_done() { [[ $(q "SELECT count(*) FROM pingsvc.jobs WHERE proto = 'tcp' AND state = 'done'") == 2 ]]; }
wait_for 30 tcp_done
okd $? "the TCP jobs are claimed, measured and done" \
    "$(q "SELECT job_id, proto, state FROM pingsvc.jobs")$(tail -20 "$tmp/w1.log")"
caps_tcp() { [[ $(q "SELECT reported_caps FROM pingsvc.workers WHERE name = 'lab-v1'") == "{tcp}" ]]; }
wait_for 10 caps_tcp
okd $? "its heartbeat reports caps {tcp}" \
    "$(q "SELECT name, caps, reported_caps FROM pingsvc.workers")"
# A few more claim rounds (idle_s = 1): nothing else may be handed out.
sleep 3
is "$(q "SELECT string_agg(proto || ':' || state, ' ' ORDER BY job_id) FROM pingsvc.jobs WHERE proto <> 'tcp'")" \
    "icmp:ready icmp:ready udp:ready" "the ICMP and UDP jobs stay ready (never claimed)"
grep -q 'a firewall here drops ICMP' "$tmp/w1.log"
okd $? "the worker logs that the firewall drops ICMP" "$(head -5 "$tmp/w1.log")"
grep -Eq 'caps[^,]*tcp' "$tmp/w1.log" && ! grep -Eq 'running: .*caps[^,]*icmp' "$tmp/w1.log"
okd $? "the start-up line names tcp and not icmp" "$(grep running: "$tmp/w1.log")"
kill -TERM "$wk"
wait "$wk"
is "$?" 0 "SIGTERM: exit 0"
wk=

# --- the rule removed -----------------------------------------------------------
lab exec v1 nft delete table inet "$FW"
ok $? "rule removed"
is "$(lab exec v1 nft list ruleset)" "" "v1 has no firewall rules left"
st=$(lab exec v1 "$W" selftest 2>&1)
like "$st" '"caps":\{"icmp":true,"tcp":true,"udp":true,.*"firewall":\{"icmp":"passes","tcp":"passes",' \
    "selftest: ICMP back"
"$LAB" exec v1 "$W" -d -c "$tmp/worker.conf" run 2>>"$tmp/w2.log" &
wk=$!
all_done() { [[ $(q "SELECT count(*) FROM pingsvc.jobs WHERE state <> 'done'") == 0 ]]; }
wait_for 30 all_done
okd $? "restarted without the rule, the worker does the ICMP and UDP jobs" \
    "$(q "SELECT job_id, proto, state FROM pingsvc.jobs")$(tail -20 "$tmp/w2.log")"
caps_all() { [[ $(q "SELECT reported_caps FROM pingsvc.workers WHERE name = 'lab-v1'") == "{icmp,udp,tcp}" ]]; }
wait_for 10 caps_all
okd $? "its heartbeat reports caps {icmp,udp,tcp}" \
    "$(q "SELECT name, caps, reported_caps FROM pingsvc.workers")"
kill -TERM "$wk"
wait "$wk"
is "$?" 0 "SIGTERM: exit 0"
wk=

# --- a rule that spares loopback ----------------------------------------------
# ICMP dropped on every interface but lo: the loopback test cannot see it;
# the echoes to selftest_address (the lab target: r1 answers TTL 1, the
# target TTL 64) can.
cat >"$tmp/selftest.conf" <<EOF
allow = [ "198.18.0.0/15" ];
selftest_address = "$TARGET";
EOF
lab exec v1 nft -f - <<EOF
table inet $FW {
    chain in { type filter hook input priority 0; iifname != "lo" meta l4proto icmp drop; }
}
EOF
ok $? "nft table in v1 drops ICMP arriving on any interface but lo"
st=$(lab exec v1 "$W" selftest 2>&1)
like "$st" '"caps":\{"icmp":true,.*"firewall":\{"icmp":"passes","tcp":"passes","icmp_egress":"untested"\}' \
    "selftest without selftest_address: loopback passes, the egress untested (the limit)"
st=$(lab exec v1 "$W" -c "$tmp/selftest.conf" selftest 2>&1)
is "$?" 1 "selftest with selftest_address: exit 1 (no ICMP)"
like "$st" '"caps":\{"icmp":false,"tcp":true,"udp":false,"icmp_paris":false,.*"firewall":\{"icmp":"passes","tcp":"passes","icmp_egress":"blocked"\}' \
    "selftest with selftest_address: ICMP blocked on the egress, caps off"
lab exec v1 nft delete table inet "$FW"
ok $? "rule removed"
st=$(lab exec v1 "$W" -c "$tmp/selftest.conf" selftest 2>&1)
is "$?" 0 "selftest with selftest_address, no rule: exit 0"
like "$st" '"caps":\{"icmp":true,.*"icmp_egress":"passes"\}' \
    "selftest with selftest_address, no rule: the egress passes"

done_testing
