#!/bin/bash
# TAP test of `pingsvc-worker run` (the daemon) against the real gateway
# (`pingsvc-ingest serve`, HTTPS with a throw-away certificate) and the
# with-pg cluster, in the network lab.  The gateway and the worker both run
# in vantage v1's namespace: the gateway on 127.0.0.1:8443 there, reaching
# PostgreSQL through its unix socket (which crosses network namespaces).
#
#   1. jobs inserted with SQL are claimed, measured and stored: one result
#      row per result the worker spooled, by idempotency key, exactly once;
#      /healthz and /metrics answer;
#   2. the gateway is killed (-9) while jobs are being measured: their
#      results stay in the spool; the worker backs off; SIGTERM ends it with
#      exit 0, the results still spooled;
#   3. gateway and worker restarted: every spooled result is delivered,
#      stored exactly once, the spool is empty;
#   4. a spool over its bound (spool_max_bytes) drops the oldest and counts
#      them; results the gateway refuses (400) are quarantined in
#      rejected/ and counted, not retried forever.
#
# Needs root (the lab), a database (tests/pg/with-pg), curl and openssl.
# Runs in about 10 s.
#
#	tests/pg/with-pg prove -v tests/integration/worker_daemon.t
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
for t in curl openssl; do
    if ! command -v "$t" >/dev/null; then
        echo "1..0 # SKIP $t is not installed"
        exit 0
    fi
done

export PSL_LAB_PREFIX="psld$$-"
unset PSL_LAB_FAIL_AT
labgw_name=wd
. "$HERE/labgw.sh"
wk= gw503=
labgw_cleanup_hook() {
    [[ -n $wk ]] && kill -9 "$wk" 2>/dev/null && wait "$wk" 2>/dev/null
    [[ -n $gw503 ]] && kill -9 "$gw503" 2>/dev/null && wait "$gw503" 2>/dev/null
}

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

out=$(lab up 2>&1)
result $? "lab up (prefix $PSL_LAB_PREFIX)" "$out"
TARGET=$(lab addr target) TCP=$(lab addr tcp-only) MISSING=$(lab addr missing)

labgw_db
result $? "database $db migrated, gateway role"

labgw_cert 127.0.0.1
# Fewer than the 4 results phase 3 delivers at once: the worker must split.
labgw_conf 127.0.0.1 8443 "db_pool = 2;" "threads = 4;" "lease_s = 120;" \
    "max_results = 3;"
labgw_enroll lab-v1 "$tmp/token"

start_gw() { labgw_start v1 127.0.0.1 8443; }
start_gw
result $? "gateway serves HTTPS in v1" "$(cat "$tmp/gw.log")"

# The spool belongs to the user the worker drops to.
mkdir -p "$tmp/spool"
chown nobody "$tmp/spool"
# worker_conf SPOOL_MAX_BYTES [TLS-LINE]: the TLS line defaults to ca_file.
worker_conf() {
    cat >"$tmp/worker.conf" <<EOF
rate_pps = 2000;
target_interval_ms = 0;
user = "nobody";
allow = [ "198.18.0.0/15" ];
gateway_url = "https://127.0.0.1:8443";
token_file = "$tmp/token";
${2:-ca_file = \"$tmp/cert.pem\";}
spool_dir = "$tmp/spool";
spool_max_bytes = $1;
claim_max = 20;
heartbeat_s = 2;
idle_s = 1;
http_timeout_s = 5;
backoff_max_s = 2;
stop_grace_s = 5;
metrics_listen = "127.0.0.1:9101";
EOF
}
start_wk() {
    "$LAB" exec v1 "$W" -d -c "$tmp/worker.conf" run 2>>"$tmp/w.log" &
    wk=$!
}
metrics() { lab exec v1 curl -s http://127.0.0.1:9101/metrics; }
metric() { metrics | awk -v m="pingsvc_worker_$1" '$1 == m { print $2 }'; }
spooled_keys() { sed -n 's/.*spooled \([0-9a-f]*\) job .*/\1/p' "$tmp/w.log" | sort; }
stored_keys() { q "SELECT idem_key FROM pingsvc.results ORDER BY 1" | sort; }
nseg() { find "$tmp/spool" -maxdepth 1 -name '*.seg' | wc -l; }

# --- 1. jobs in, results stored once ------------------------------------------
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, port, params) VALUES
   ('ping', '$TARGET', 'icmp', 'icmp', NULL, '{\"packets\": 2, \"timeout_ms\": 500}'),
   ('ping', '$TCP', 'tcp', 'tcp', 80, '{\"packets\": 2, \"timeout_ms\": 500}'),
   ('traceroute', '$TARGET', 'icmp', 'icmp', NULL, '{\"timeout_ms\": 1000, \"packets\": 1}'),
   ('traceroute', '$TARGET', 'udp', 'udp', 33435, '{\"timeout_ms\": 1000, \"packets\": 1}'),
   ('traceroute', '$TARGET', 'tcp', 'tcp', 80, '{\"timeout_ms\": 1000, \"packets\": 1}')" >/dev/null
worker_conf 67108864
start_wk
all_done() { [[ $(q "SELECT count(*) FROM pingsvc.jobs WHERE state <> 'done'") == 0 ]]; }
wait_for 30 all_done
result $? "5 jobs claimed, measured and done" \
    "$(q "SELECT job_id, state, last_error FROM pingsvc.jobs")$(tail -20 "$tmp/w.log")"
delivered() { [[ $(nseg) == 0 && $(q "SELECT count(*) FROM pingsvc.results") == "$(spooled_keys | wc -l)" ]]; }
wait_for 10 delivered
[[ $(spooled_keys | wc -l) == 5 && "$(spooled_keys)" == "$(stored_keys)" ]]
result $? "one stored result per spooled result, by idempotency key" \
    "spooled: $(spooled_keys | tr '\n' ' ') stored: $(stored_keys | tr '\n' ' ')"
[[ $(q "SELECT count(DISTINCT job_id) FROM pingsvc.results WHERE job_id IS NOT NULL") == 5 ]] 2>/dev/null ||
    [[ $(q "SELECT count(DISTINCT (body->>'job_id')) FROM pingsvc.results") == 5 ]]
result $? "each job has its result"
[[ $(q "SELECT count(*) FROM pingsvc.traces") -ge 3 ]]
result $? "the traceroutes became traces"
health=$(lab exec v1 curl -s http://127.0.0.1:9101/healthz)
[[ $health == '{"status":"ok"}' ]]
result $? "worker /healthz" "$health"
m=$(metrics)
grep -q '^pingsvc_worker_probes_sent_total [1-9]' <<<"$m" &&
    grep -q '^pingsvc_worker_results_acked_total 5$' <<<"$m" &&
    grep -q '^pingsvc_worker_spool_depth 0$' <<<"$m" &&
    grep -Eq '^pingsvc_worker_last_submit_success_timestamp_seconds [1-9]' <<<"$m"
result $? "worker /metrics: probes, acknowledged results, spool, last submit" "$m"
wait_for 5 test "$(q "SELECT spool_depth IS NOT NULL AND version IS NOT NULL FROM pingsvc.workers WHERE name = 'lab-v1'")" = t
result $? "heartbeat recorded version and spool depth" \
    "$(q "SELECT * FROM pingsvc.workers WHERE name = 'lab-v1'")"

# --- 2. gateway dies while jobs are measured ----------------------------------
# Traces to the missing host take gap_limit silent hops x the timeout.
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, params)
   SELECT 'traceroute', '$MISSING', 'icmp', 'icmp', '{\"timeout_ms\": 2500, \"packets\": 1, \"max_hops\": 12}'
   FROM generate_series(1, 4)" >/dev/null
leased() { [[ $(q "SELECT count(*) FROM pingsvc.jobs WHERE state = 'leased'") == 4 ]]; }
wait_for 10 leased
result $? "4 slow jobs leased"
kill -9 "$gw"
wait "$gw" 2>/dev/null
gw=
spooled4() { [[ $(spooled_keys | wc -l) == 9 && $(metric spool_depth) == 4 ]]; }
wait_for 20 spooled4
result $? "gateway killed: the 4 results wait in the spool" \
    "$(metrics | grep spool)$(tail -5 "$tmp/w.log")"
wait_for 10 grep -q 'retrying in' "$tmp/w.log"
result $? "the worker backs off" "$(tail -5 "$tmp/w.log")"
[[ $(metric submit_errors_total) -ge 1 ]]
result $? "submit errors counted"

kill -TERM "$wk"
t0=$SECONDS
wait "$wk"
rc=$?
wk=
[[ $rc == 0 && $((SECONDS - t0)) -le 10 ]]
result $? "SIGTERM: exit 0 promptly (rc $rc, $((SECONDS - t0)) s)" "$(tail -5 "$tmp/w.log")"
grep -q 'stopped; 4 results stay in the spool' "$tmp/w.log" && [[ $(nseg) -ge 1 ]]
result $? "the results stay on disk" "$(tail -3 "$tmp/w.log")"

# --- 3. both restarted: spooled results delivered exactly once ----------------
start_gw
result $? "gateway restarted"
start_wk
wait_for 20 delivered
result $? "the spool is delivered after the restart" "$(tail -10 "$tmp/w.log")"
grep -q 'results to deliver from an earlier run' "$tmp/w.log"
result $? "the worker found the spool of its earlier run"
[[ "$(spooled_keys)" == "$(stored_keys)" &&
    $(q "SELECT count(*) FROM pingsvc.results") == 9 ]]
result $? "every result stored exactly once (9 keys)" \
    "spooled: $(spooled_keys | tr '\n' ' ') stored: $(stored_keys | tr '\n' ' ')"
grep -q 'submit refused as a whole; now at most 2 results' "$tmp/w.log" &&
    [[ ! -s $tmp/spool/rejected/results.jsonl ]]
result $? "a batch over the gateway's max_results is split, nothing quarantined"
kill -TERM "$wk"
wait "$wk"
rc=$?
wk=
result $rc "SIGTERM with an empty spool: exit 0"

# --- pinned public key instead of a CA file -------------------------------------
pin=$(openssl x509 -pubkey -noout -in "$tmp/cert.pem" |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
worker_conf 67108864 "pinned_pubkey = \"sha256//AAAA${pin:4}\";"
: >"$tmp/w.log.pin"
"$LAB" exec v1 "$W" -c "$tmp/worker.conf" run 2>"$tmp/w.log.pin" &
wk=$!
wait_for 10 grep -q 'retrying in' "$tmp/w.log.pin"
grep -qi 'pinned' "$tmp/w.log.pin"
result $? "a wrong pinned key is refused" "$(head -3 "$tmp/w.log.pin")"
kill -TERM "$wk"
wait "$wk"
wk=
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, params)
   VALUES ('ping', '$TARGET', 'icmp', 'icmp', '{\"packets\": 1, \"timeout_ms\": 500}')" >/dev/null
worker_conf 67108864 "pinned_pubkey = \"sha256//$pin\";"
start_wk
wait_for 15 all_done && wait_for 5 delivered
result $? "the right pinned key (no CA file) works" "$(tail -5 "$tmp/w.log")"

# --- SIGTERM while measuring: finish, spool, submit, exit 0 -------------------
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, params)
   SELECT 'traceroute', '$MISSING', 'icmp', 'icmp', '{\"timeout_ms\": 2000, \"packets\": 1, \"max_hops\": 8}'
   FROM generate_series(1, 2)" >/dev/null
leased2() { [[ $(q "SELECT count(*) FROM pingsvc.jobs WHERE state = 'leased'") == 2 ]]; }
wait_for 10 leased2
sleep 0.3
kill -TERM "$wk"
wait "$wk"
rc=$?
wk=
[[ $rc == 0 ]] && all_done && [[ $(q "SELECT count(*) FROM pingsvc.results") == 12 ]]
result $? "SIGTERM mid-batch: probes finish, results submitted, exit 0 (rc $rc)" \
    "$(q "SELECT job_id, state FROM pingsvc.jobs WHERE state <> 'done'")$(tail -5 "$tmp/w.log")"

# --- a gateway without its database: 503 and Retry-After honoured -------------
sed -e 's/^port = 8443;/port = 8444;/' -e "s/^db = .*/db = \"dbname=pingsvc_t_none_$$ user=$gwrole\";/" \
    "$tmp/ingest.conf" >"$tmp/ingest503.conf"
"$LAB" exec v1 "$GW" serve --config "$tmp/ingest503.conf" 2>>"$tmp/gw.log" &
gw503=$!
answers503() {
    [[ $("$LAB" exec v1 curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/cert.pem" \
        https://127.0.0.1:8444/healthz) == 503 ]]
}
wait_for 10 answers503
sed -i 's/8443/8444/' "$tmp/worker.conf"
: >"$tmp/w.log.503"
"$LAB" exec v1 "$W" -c "$tmp/worker.conf" run 2>"$tmp/w.log.503" &
wk=$!
wait_for 10 grep -q 'as Retry-After says' "$tmp/w.log.503"
ra=$(grep -m1 -o 'retrying in [0-9.]* s.*Retry-After.*' "$tmp/w.log.503")
grep -q 'HTTP 503' "$tmp/w.log.503" && [[ $ra =~ ^retrying\ in\ [1-9][0-9]*\.0\ s.*as\ Retry-After\ says ]]
result $? "503 from a gateway without its database: Retry-After honoured ($ra)" \
    "$(head -5 "$tmp/w.log.503")"
kill -TERM "$wk"
wait "$wk"
rc=$?
wk=
kill -9 "$gw503" && wait "$gw503" 2>/dev/null
result $rc "SIGTERM during the backoff: exit 0"

# --- 4. full spool drops the oldest; refused results quarantined --------------
# 40 lines of ~200 bytes in two segments, under a bound of 4096 bytes.  They
# are not valid results: the gateway answers 400 naming each in turn.
pad=$(printf '%0150d' 0)
for s in 1 2; do
    for i in $(seq 1 20); do
        printf '{"idem_key":"junk-%d-%d","pad":"%s"}\n' "$s" "$i" "$pad"
    done >"$tmp/spool/0000000000000000000$s.seg"
done
chown nobody "$tmp"/spool/*.seg
worker_conf 4096
start_wk
rejected() { [[ $(nseg) == 0 && $(metric spool_rejected_total) -ge 1 ]]; }
wait_for 20 rejected
m=$(metrics)
dropped=$(awk '$1 == "pingsvc_worker_spool_dropped_total" { print $2 }' <<<"$m")
rej=$(awk '$1 == "pingsvc_worker_spool_rejected_total" { print $2 }' <<<"$m")
[[ $dropped -ge 20 && $((dropped + rej)) == 40 ]]
result $? "over the bound: the oldest dropped and counted ($dropped)" "$m"
[[ $(wc -l <"$tmp/spool/rejected/results.jsonl") == "$rej" ]] &&
    grep -q 'quarantined result junk-2-20' "$tmp/w.log" &&
    grep -q 'HTTP 400' "$tmp/w.log"
result $? "refused results quarantined in rejected/ ($rej), the newest kept to the last" \
    "$(grep -m3 -E 'HTTP 400|quarantined' "$tmp/w.log")"
[[ $(q "SELECT count(*) FROM pingsvc.results") == 12 ]]
result $? "nothing refused was stored"
kill -TERM "$wk"
wait "$wk"
rc=$?
wk=
result $rc "SIGTERM: exit 0"
