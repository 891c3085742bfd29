#!/usr/bin/env bash
#
# frontier_doubletree.t -- Doubletree stop sets end to end in the network
# lab: v1's traces are imported, the next cycle gives v2's first traces of
# the same targets a stop set (and v1's re-traces none), v2's traces with
# it stop at a known hop ("stop_reason": "GSS") with the same hops up to
# there as without it, and send fewer probes; a GSS result is accepted by
# the importer; the pair, once traced, gets no stop set again; and
# schedule.stop_sets = "off" gives none; and end to end, a job's stop set
# goes through the gateway's claim to the worker daemon, whose trace is
# stored stopped ("GSS").
#
# Prints TAP.  Needs root (the lab) and tests/pg/with-pg.
#
#	tests/pg/with-pg prove -v tests/integration/frontier_doubletree.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}

. "$top/tests/integration/tap.sh"
need_db
need_root
need_built "$bin/pingsvc-worker" "$bin/pingsvc-frontier" "$bin/pingsvc-ingest"

. "$top/tests/integration/doubletree.sh"
export PSL_LAB_PREFIX="psldt$$-"
unset PSL_LAB_FAIL_AT
db=pingsvc_t_dtree_$$
frrole=pingsvc_t_dtfr_$$
dt_gwrole=pingsvc_t_dtgw_$$
dt_tmp=$(mktemp -d)
dt_lab=$top/tests/lab/lab
dt_worker=$bin/pingsvc-worker
dt_ingest=$bin/pingsvc-ingest
dt_frontier() { PGUSER=$frrole "$bin/pingsvc-frontier" "$@"; }
dt_frontier=dt_frontier
gwpid= wkpid=
cleanup()
{
	[ -n "$wkpid" ] && kill -9 "$wkpid" 2>/dev/null
	[ -n "$gwpid" ] && kill -9 "$gwpid" 2>/dev/null
	"$dt_lab" down >/dev/null 2>&1
	rm -rf "$dt_tmp"
	dropdb --if-exists "$db" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $frrole" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $dt_gwrole" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
createdb "$db" || exit 1
"$top/sql/migrate" "dbname=$db" >/dev/null || exit 1
export PGDATABASE=$db
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
q "CREATE ROLE $frrole LOGIN IN ROLE pingsvc_frontier;
   CREATE ROLE $dt_gwrole LOGIN IN ROLE pingsvc_ingest" >/dev/null || exit 1
q "INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen, enabled)
   VALUES ('v1', sha256('v1'), '{icmp,udp,tcp}', now(), true),
          ('v2', sha256('v2'), '{icmp,udp,tcp}', now(), true)" >/dev/null || exit 1
dt_frconf=$dt_tmp/frontier.conf
cat >"$dt_frconf" <<'CONF'
log_level = "warn";
allow = [ "198.18.0.0/15" ];
schedule = { budget = 100; vantages = 2; stop_sets = "on"; };
score = { every = 0; };
CONF

out=$("$dt_lab" up 2>&1)
rc=$?
ok $rc "lab up (prefix $PSL_LAB_PREFIX)"
[ $rc = 0 ] || { echo "# $out"; done_testing; exit 1; }

dt_round v1 v2
ok $? "v1 traces, import, cycle, v2 traces with and without stop sets"
is "$dt_jobs" 4 "v2 got a traceroute job for each of the 4 targets"
is "$dt_stopsets" 4 "each of v2's first traces carries a stop set"
stop=$(q "SELECT params->'stop_set' FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
           WHERE w.name = 'v2' AND j.kind = 'traceroute' AND j.target = '198.18.100.10'")
# v1's path: r1 (v1's side), r2, r3a or r3b, r4, * (r5), r6, the target:
# the answering routers, nearest the target first, never the target.
like "$stop" '^\["198\.18\.16\.2", "198\.18\.1[34]\.2", "198\.18\.1[12]\.2", "198\.18\.10\.2", "198\.18\.1\.1"\]$' \
    "the target's stop set: v1's routers, nearest the target first"
is "$(q "SELECT count(*) FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
          WHERE w.name = 'v1' AND j.kind = 'traceroute' AND j.params ? 'stop_set'")" 0 \
    "v1's re-traces carry no stop set (route change detection compares them)"
is "$dt_gss" 4 "every trace with a stop set stopped at a known hop (GSS)"
is "$dt_prefix_ok" "$dt_gss" "GSS traces have the baseline's hops up to the stop"
# v2 and v1 share r2 (198.18.10.2) at TTL 2: v2 stops there.
is "$(dt_field "$dt_tmp/v2-with-1.json" result | grep -o '"hop":[0-9]*' | tr '\n' ' ')" '"hop":1 "hop":2 ' \
    "v2 stops at TTL 2, at r2, which v1's path holds"
pct=$(dt_saving_pct)
ok "$(awk -v a="$dt_sent_with" -v b="$dt_sent_without" 'BEGIN { print !(a < b) }')" \
    "fewer probes with stop sets: $dt_sent_with against $dt_sent_without ($pct % saved)"

# A GSS result is a valid result: the importer stores it.
out=$(PGUSER=$dt_gwrole "$dt_ingest" import --format native --worker v2 \
    "$dt_tmp/v2-with-1.json" 2>&1)
rc=$?
ok $rc "the importer accepts a GSS trace"
[ $rc = 0 ] || echo "# $out"
is "$(q "SELECT count(*) FROM pingsvc.traces WHERE vantage = 'v2'")" 1 \
    "it is stored as one of v2's traces"

# Next cycle: v2 has traced that target now, so it gets no stop set for it.
gss_dst=$(dt_field "$dt_tmp/v2-with-1.json" dst_addr)
q "UPDATE pingsvc.jobs SET state = 'failed', done_at = now() WHERE state = 'ready';
   UPDATE pingsvc.targets SET next_due = now() - interval '1 s'" >/dev/null
dt_frontier --config "$dt_frconf" run --once >/dev/null 2>&1
ok $? "second cycle"
is "$(q "SELECT count(*) FILTER (WHERE params ? 'stop_set') || '/' || count(*)
           FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
          WHERE w.name = 'v2' AND j.state = 'ready' AND j.kind = 'traceroute'
            AND j.target = '$gss_dst'")" "0/1" \
    "a pair traced before gets no stop set"
is "$(q "SELECT count(*) FILTER (WHERE params ? 'stop_set')
           FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
          WHERE w.name = 'v2' AND j.state = 'ready' AND j.kind = 'traceroute'")" 3 \
    "the pairs not traced yet still do"

# stop_sets = "off": none.
q "UPDATE pingsvc.jobs SET state = 'failed', done_at = now() WHERE state = 'ready';
   UPDATE pingsvc.targets SET next_due = now() - interval '1 s'" >/dev/null
sed 's/stop_sets = "on"/stop_sets = "off"/' "$dt_frconf" >"$dt_tmp/off.conf"
dt_frontier --config "$dt_tmp/off.conf" run --once >/dev/null 2>&1
ok $? "cycle with stop_sets = \"off\""
is "$(q "SELECT count(*) FILTER (WHERE params ? 'stop_set') || '/' || count(*)
           FROM pingsvc.jobs WHERE state = 'ready' AND kind = 'traceroute'")" "0/8" \
    "stop_sets = \"off\": no job carries a stop set"
sed 's/stop_sets = "on"/stop_sets = "maybe"/' "$dt_frconf" >"$dt_tmp/bad.conf"
out=$(dt_frontier --config "$dt_tmp/bad.conf" run --once 2>&1)
fails $? "stop_sets = \"maybe\" is refused"
like "$out" 'schedule.stop_sets: "maybe" is not on or off' "and the message says why"

# --- The whole chain: a job's stop set through the gateway and the daemon ---
# The gateway (HTTPS, throw-away certificate) and a worker daemon run in
# v2's namespace; a traceroute job carrying the stop set the first cycle
# gave v2 is claimed, measured and submitted, and is stored stopped.
if command -v openssl >/dev/null && command -v curl >/dev/null; then
	chmod 755 "$dt_tmp"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
	    -days 1 -keyout "$dt_tmp/key.pem" -out "$dt_tmp/cert.pem" >/dev/null 2>&1
	chmod 644 "$dt_tmp/cert.pem"
	cat >"$dt_tmp/ingest.conf" <<CONF
listen = "127.0.0.1";
port = 8443;
tls_cert = "$dt_tmp/cert.pem";
tls_key = "$dt_tmp/key.pem";
db = "dbname=$db user=$dt_gwrole";
db_pool = 2;
threads = 2;
log_level = "warn";
CONF
	PGUSER=$dt_gwrole "$dt_ingest" enroll dtd-v2 --caps icmp >"$dt_tmp/token"
	chmod 600 "$dt_tmp/token"
	mkdir -p "$dt_tmp/spool"
	chown nobody "$dt_tmp/spool"
	cat >"$dt_tmp/worker.conf" <<CONF
user = "nobody";
allow = [ "198.18.0.0/15" ];
gateway_url = "https://127.0.0.1:8443";
token_file = "$dt_tmp/token";
ca_file = "$dt_tmp/cert.pem";
spool_dir = "$dt_tmp/spool";
claim_max = 5;
heartbeat_s = 2;
idle_s = 1;
metrics_listen = "127.0.0.1:9101";
CONF
	q "UPDATE pingsvc.jobs SET state = 'failed', done_at = now() WHERE state = 'ready'" >/dev/null
	job=$(psql -X -q -At -v ON_ERROR_STOP=1 -c "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, params)
	         VALUES ('traceroute', '198.18.100.10', 'icmp', 'icmp',
	                 jsonb_build_object('vantage', 'dtd-v2', 'packets', 1, 'timeout_ms', 1000,
	                                    'stop_set', '$stop'::jsonb))
	         RETURNING job_id")
	"$dt_lab" exec v2 "$dt_ingest" serve --config "$dt_tmp/ingest.conf" 2>"$dt_tmp/gw.log" &
	gwpid=$!
	"$dt_lab" exec v2 "$dt_worker" -c "$dt_tmp/worker.conf" run 2>"$dt_tmp/w.log" &
	wkpid=$!
	for _ in $(seq 150); do
		[ "$(q "SELECT state FROM pingsvc.jobs WHERE job_id = $job")" = done ] && break
		sleep 0.2
	done
	is "$(q "SELECT state FROM pingsvc.jobs WHERE job_id = $job")" done \
	    "daemon: the job with a stop set was claimed, measured and submitted"
	is "$(q "SELECT body->>'stop_reason' FROM pingsvc.results WHERE job_id = $job")" GSS \
	    "daemon: its stored result says stop_reason GSS"
	is "$(q "SELECT array_to_string(path, ' ') FROM pingsvc.traces WHERE vantage = 'dtd-v2'")" \
	    "198.18.2.1 198.18.10.2" "daemon: its trace stops at r2, the first hop of the stop set"
	kill "$wkpid" "$gwpid" 2>/dev/null
	wait "$wkpid" "$gwpid" 2>/dev/null
	wkpid= gwpid=
else
	for i in 1 2 3; do skip "no openssl or curl for the gateway"; done
fi

done_testing
