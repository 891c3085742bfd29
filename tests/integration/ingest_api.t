#!/usr/bin/env bash
#
# ingest_api.t -- `pingsvc-ingest serve` over real HTTPS on 127.0.0.1 with a
# throw-away self-signed certificate: enrolment, claim, submit, duplicate
# submit stored once, job ownership, revoked token 401, 413, malformed JSON
# and wrong types 400 naming the place, partition-less timestamps 422,
# lease expiry, heartbeat, metrics, 32 concurrent claimers never sharing a
# job, PostgreSQL restarted mid-run (503 with Retry-After, then recovery),
# graceful SIGTERM.
#
# Prints TAP.  Runs under tests/pg/with-pg, in a database of its own.
#
#	tests/pg/with-pg prove -v tests/integration/ingest_api.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
ingest=$bin/pingsvc-ingest

. "$top/tests/integration/tap.sh"
need_db
need_built "$ingest"
need_tools curl openssl

gw_test=api
. "$top/tests/integration/gateway.sh"

now=$(date +%s)
tok1=$(ing enroll api-w1 --caps icmp,tcp)
tok2=$(ing enroll api-w2 --caps icmp)
like "$tok1" '^[0-9]+\.[0-9a-f]{64}$' "enrolment token"

# --- health and auth ---
like "$(req GET /healthz '')" '^200 \{"status":"ok"\}' "healthz 200"
like "$(req POST /v1/claim '' '{}')" '^401 .*"error":"unauthorized"' "no token: 401"
like "$(req POST /v1/claim "${tok1%.*}.$(printf '%064d' 0)" '{}')" '^401 ' "wrong secret: 401"
like "$(req POST /v1/claim "99.${tok1#*.}" '{}')" '^401 ' "unknown worker id: 401"
like "$(req POST /v1/claim 'garbage' '{}')" '^401 ' "malformed token: 401"
like "$(req GET /v1/claim "$tok1")" '^405 ' "GET on claim: 405"
like "$(req GET /nowhere '')" '^404 ' "unknown path: 404"

# --- claim ---
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, port, params)
   SELECT 'traceroute', ('198.51.100.' || g)::inet, 'icmp', 'icmp', NULL,
          '{\"max_hops\": 20, \"stop_set\": [\"198.51.100.254\"]}'::jsonb
     FROM generate_series(1, 5) g" >/dev/null
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, port)
   VALUES ('ping', '198.51.100.99', 'tcp', 'tcp', 443)" >/dev/null
out=$(req POST /v1/claim "$tok2" '{"max": 2}')
like "$out" '^200 \{"jobs":\[\{"job_id":1,"type":"traceroute","af":4,"dst_addr":"198.51.100.1","proto":"ICMP",.*"max_hops":20' \
    "claim returns jobs in the job format"
like "$out" '"server_time":[0-9.]+' "claim answers server_time"
like "$out" '"max_hops":20,"gap_limit":5,"stop_set":\["198\.51\.100\.254"\]' \
    "a traceroute's stop set (params.stop_set) reaches the worker"
is "$(grep -o '"job_id"' <<<"$out" | wc -l)" 2 "claim honours max"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE state = 'leased' AND worker_id = (SELECT worker_id FROM pingsvc.workers WHERE name = 'api-w2') AND lease_expires > now() + interval '290 s' AND attempts = 1")" \
    2 "two jobs leased to api-w2 for lease_s"
out=$(req POST /v1/claim "$tok2" '{"max": 100, "caps": ["tcp"]}')
like "$out" '^200 \{"jobs":\[\],' "caps beyond the enrolled ones give no jobs"
out=$(req POST /v1/claim "$tok1" '{"caps": ["tcp"]}')
like "$out" '"job_id":6,"type":"ping".*"proto":"TCP","port":443' "tcp job to the tcp worker"
like "$(req POST /v1/claim "$tok1" '{"max": "two"}')" '^400 .*max.*integer' "wrong type of max: 400 naming it"
like "$(req POST /v1/claim "$tok1" '{"caps": ["gre"]}')" '^400 .*caps' "unknown cap: 400"
like "$(req POST /v1/claim "$tok1" '[1,2]')" '^400 ' "non-object body: 400"

# --- submit ---
body="{\"results\": [$(ping_result s-1 1 "$now")]}"
out=$(req POST /v1/submit "$tok2" "$body")
like "$out" '^200 \{"results":\[\{"idem_key":"s-1","status":"stored"\}\]' "submit: stored"
is "$(q "SELECT state FROM pingsvc.jobs WHERE job_id = 1")" done "the job is done"
is "$(q "SELECT body->>'worker' FROM pingsvc.results WHERE idem_key = 's-1'")" api-w2 \
    "worker comes from the token"
out=$(req POST /v1/submit "$tok2" "$body")
like "$out" '^200 \{"results":\[\{"idem_key":"s-1","status":"duplicate"\}\]' "re-submit: duplicate"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE idem_key = 's-1'")" 1 "stored once"
# A body claiming another worker changes nothing.
body="{\"results\": [$(ping_result s-2 - "$now" | sed 's/^{/{"worker": "api-w1", /')]}"
like "$(req POST /v1/submit "$tok2" "$body")" '^200 .*"stored"' "body's worker field is ignored"
is "$(q "SELECT body->>'worker' || ' ' || worker_id FROM pingsvc.results WHERE idem_key = 's-2'")" \
    "api-w2 $(q "SELECT worker_id FROM pingsvc.workers WHERE name = 'api-w2'")" "stored as the token's worker"
body="{\"results\": [$(ping_result s-3 2 "$now")]}"
like "$(req POST /v1/submit "$tok1" "$body")" '^409 .*results\[0\]: \\"job_id\\": 2 was not leased to this worker' \
    "a job leased to another worker: 409 naming the item"
body="{\"results\": [$(ping_result s-4 424242 "$now")]}"
like "$(req POST /v1/submit "$tok1" "$body")" '^409 .*results\[0\]: \\"job_id\\": 424242 is not a job' "unknown job: 409"
bad=$(ping_result s-5 - "$now" | sed 's/{"rtt": 1.5}/{"rtt": "fast"}/')
body="{\"results\": [$(ping_result s-6 - "$now"), $bad]}"
like "$(req POST /v1/submit "$tok1" "$body")" '^400 .*results\[1\]: result\[1\]: \\"rtt\\"' \
    "invalid item: 400 naming item and field"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE idem_key IN ('s-5', 's-6')")" 0 "nothing of a refused batch stored"
like "$(req POST /v1/submit "$tok1" '{"results": [{"type": "ping",, }]}')" '^400 .*invalid JSON at byte [0-9]+' \
    "malformed JSON: 400 with the position"
like "$(req POST /v1/submit "$tok1" '{"results": {}}')" '^400 .*"results\\": must be an array' "results not an array: 400"
like "$(req POST /v1/submit "$tok1" '{"results": []}')" '^400 .*empty' "empty batch: 400"
like "$(req POST /v1/submit "$tok1" "{\"results\": [$(ping_result s-7 - "$now" | sed 's/"af": 4/"af": "4"/')]}")" \
    '^400 .*results\[0\]: \\"af\\"' "number as string: 400 naming the field"
body="{\"results\": [$(ping_result s-8 - "$now"), $(ping_result s-9 - 1000000000)]}"
like "$(req POST /v1/submit "$tok1" "$body")" '^422 .*"unprocessable".*results\[1\]: measured 2001-09-09, older than the retained partitions \(180 days\)' \
    "timestamp beyond the retention: 422 naming the item"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE idem_key = 's-8'")" 0 "and nothing stored"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$tmp/big"
like "$(req POST /v1/submit "$tok1" "@$tmp/big")" '^413 .*too_large' "oversized body: 413"
like "$(req GET /healthz '')" '^200 ' "server still fine after 413"

# A traceroute: derived data is in place when the submit returns.
trace=$(head -n 1 "${PINGSVC_DATA:-$top/../shared/data}/route-changes/route-change-vectors.jsonl" |
    sed "s/\"timestamp\": [0-9]*/\"timestamp\": $now/; s/\"endtime\": [0-9]*/\"endtime\": $((now + 4))/; s/}\$/, \"idem_key\": \"tr-1\"}/")
like "$(req POST /v1/submit "$tok1" "{\"results\": [$trace]}")" '^200 .*"stored"' "traceroute submitted"
if [ "$(q "SELECT to_regprocedure('pingsvc.process_results(bigint[])') IS NOT NULL")" = t ]; then
	is "$(q "SELECT count(*) FROM pingsvc.traces WHERE target = '203.0.113.200' AND vantage = 'api-w1'")" 1 \
	    "process_results made its trace in the same transaction"
else
	echo "ok $((n += 1)) # SKIP pingsvc.process_results does not exist yet"
fi

# A batch of many: per-item statuses in order.
items=
for i in $(seq 1 50); do items+="${items:+,}$(ping_result m-$i - "$now")"; done
req POST /v1/submit "$tok1" "{\"results\": [$(ping_result m-1 - "$now")]}" >/dev/null
out=$(req POST /v1/submit "$tok1" "{\"results\": [$items]}")
like "$out" '^200 \{"results":\[\{"idem_key":"m-1","status":"duplicate"\},\{"idem_key":"m-2","status":"stored"\}' \
    "batch: per-item status in order"
like "$out" '"stored":49,"duplicates":1' "batch: 49 stored, 1 duplicate"

# Concurrent re-submissions of one batch: every answer 200, stored once.
items=
for i in $(seq 1 20); do items+="${items:+,}$(ping_result cc-$i - "$now")"; done
printf '{"results": [%s]}' "$items" >"$tmp/cc.json"
pids=
for c in $(seq 1 8); do
	( req POST /v1/submit "$tok1" "@$tmp/cc.json" >"$tmp/cc.$c" ) &
	pids+=" $!"
done
wait $pids
is "$(cat "$tmp"/cc.* | grep -c '^200 ')" 8 "8 concurrent submits of one batch: all 200"
is "$(cat "$tmp"/cc.* | grep -o '"status":"stored"' | wc -l)" 20 "each result reported stored exactly once"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE idem_key LIKE 'cc-%'")" 20 "and stored once"

# --- heartbeat ---
like "$(req POST /v1/heartbeat "$tok1" "{\"version\": \"0.1.0\", \"spool_depth\": 7, \"time\": $(($(date +%s) + 2)), \"caps\": [\"icmp\", \"tcp\"]}")" \
    '^200 \{"worker":"api-w1"' "heartbeat 200"
out=$(q "SELECT version, spool_depth, abs(clock_offset_ms) < 10000, last_seen IS NOT NULL FROM pingsvc.workers WHERE name = 'api-w1'")
is "$out" "0.1.0|7|t|t" "heartbeat fills the workers row"
like "$(req POST /v1/heartbeat "$tok1" '{"spool_depth": -1}')" '^400 .*spool_depth' "bad heartbeat: 400"

# --- lease expiry ---
job=$(q "SELECT min(job_id) FROM pingsvc.jobs WHERE state = 'leased' AND worker_id = (SELECT worker_id FROM pingsvc.workers WHERE name = 'api-w2')")
q "UPDATE pingsvc.jobs SET leased_at = now() - interval '10 min', lease_expires = now() - interval '1 s' WHERE job_id = $job" >/dev/null
out=$(req POST /v1/claim "$tok1" '{"max": 50, "caps": ["icmp"]}')
like "$out" "\"job_id\":$job," "an expired lease is handed out again"
is "$(q "SELECT attempts || ' ' || w.name FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id) WHERE job_id = $job")" \
    "2 api-w1" "attempts counted, new holder"
q "UPDATE pingsvc.jobs SET attempts = max_attempts, leased_at = now() - interval '10 min', lease_expires = now() - interval '1 s' WHERE job_id = $job" >/dev/null
req POST /v1/claim "$tok1" '{"max": 1}' >/dev/null
is "$(q "SELECT state || ' ' || last_error FROM pingsvc.jobs WHERE job_id = $job")" "failed lease expired" \
    "after max_attempts an expired job fails"
# A worker cut off past its lease delivers later: its measurement is kept,
# and so is the one of the worker the job went to next.
body="{\"results\": [$(ping_result late-1 "$job" "$now")]}"
like "$(req POST /v1/submit "$tok2" "$body")" '^200 .*"late-1","status":"stored"' \
    "a result after the lease expired and moved on is stored"
is "$(q "SELECT state || ' ' || w.name FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id) WHERE job_id = $job")" \
    "done api-w2" "and answers the job"
body="{\"results\": [$(ping_result late-2 "$job" "$now")]}"
like "$(req POST /v1/submit "$tok1" "$body")" '^200 .*"late-2","status":"stored"' \
    "the later lessee's result is stored too"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE job_id = $job")" 2 "both measurements kept, once each"

# --- revocation ---
ing revoke api-w2 >/dev/null
like "$(req POST /v1/claim "$tok2" '{}')" '^401 ' "revoked token: 401 at once"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE state = 'leased' AND worker_id = (SELECT worker_id FROM pingsvc.workers WHERE name = 'api-w2')")" \
    0 "the revoked worker's leases are released"

# --- 32 concurrent claimers ---
tokc=$(ing enroll api-crowd --caps icmp)
q "UPDATE pingsvc.jobs SET state = 'done', done_at = now(), worker_id = coalesce(worker_id, 1) WHERE state IN ('ready', 'leased')" >/dev/null
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap)
   SELECT 'ping', ('198.51.' || (100 + g / 250) || '.' || (1 + g % 250))::inet, 'icmp', 'icmp'
     FROM generate_series(0, 1499) g" >/dev/null
for c in $(seq 1 32); do
	(
		for _ in $(seq 1 200); do
			curl -s --cacert "$tmp/cert.pem" --resolve "localhost:$port:127.0.0.1" \
			    -H "Authorization: Bearer $tokc" -X POST -d '{"max": 7}' \
			    "$url/v1/claim" >"$tmp/c$c.last" || continue
			grep -o '"job_id":[0-9]*' "$tmp/c$c.last" >>"$tmp/c$c.ids"
			grep -q '"jobs":\[\]' "$tmp/c$c.last" && break
		done
	) &
done
wait_for=$(jobs -p | grep -v "^$server\$")
wait $wait_for 2>/dev/null
total=$(cat "$tmp"/c*.ids 2>/dev/null | wc -l)
uniq=$(cat "$tmp"/c*.ids 2>/dev/null | sort -u | wc -l)
is "$total" 1500 "32 clients got all 1500 jobs"
is "$uniq" "$total" "no job handed out twice"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE state = 'leased' AND attempts = 1 AND worker_id = (SELECT worker_id FROM pingsvc.workers WHERE name = 'api-crowd')")" \
    1500 "each leased once, to the claimer"

# --- metrics ---
out=$(curl -s --cacert "$tmp/cert.pem" --resolve "localhost:$port:127.0.0.1" "$url/metrics")
like "$out" 'pingsvc_ingest_requests_total\{endpoint="claim",status="200"\} [0-9]+' "metrics: requests by endpoint and status"
like "$out" 'pingsvc_ingest_request_seconds_bucket\{endpoint="submit",le="\+Inf"\} [0-9]+' "metrics: latency histogram"
like "$out" 'pingsvc_ingest_jobs_handed_out_total 15[0-9][0-9]' "metrics: jobs handed out"
like "$out" 'pingsvc_ingest_results_stored_total [0-9]+' "metrics: results stored"

# --- PostgreSQL restarted mid-run ---
if [ -n "${PINGSVC_PGDATA:-}" ] && command -v pg_ctl >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi
	as_pg pg_ctl -D "$PINGSVC_PGDATA" -m fast -w stop >/dev/null 2>&1
	out=$(curl -s -D "$tmp/hdr" --max-time 10 --cacert "$tmp/cert.pem" --resolve "localhost:$port:127.0.0.1" \
	    -H "Authorization: Bearer $tok1" -X POST -d '{}' -o "$tmp/body" -w '%{http_code}' "$url/v1/claim")
	is "$out" 503 "database down: claim answers 503"
	grep -qi '^Retry-After: [0-9]' "$tmp/hdr"
	ok $? "with Retry-After"
	like "$(req GET /healthz '')" '^503 ' "healthz 503 while down"
	kill -0 "$server" 2>/dev/null
	ok $? "the server is still running"
	: >"$tmp/pg.log"
	[ "$(id -u)" -eq 0 ] && chown postgres "$tmp/pg.log"
	as_pg pg_ctl -D "$PINGSVC_PGDATA" -l "$tmp/pg.log" -w start >/dev/null 2>&1 ||
		sed 's/^/# pg_ctl: /' "$tmp/pg.log"
	rc=1
	for _ in $(seq 1 50); do
		if req GET /healthz '' | grep -q '^200 '; then rc=0; break; fi
		sleep 0.2
	done
	ok $rc "healthz 200 again after the restart"
	like "$(req POST /v1/heartbeat "$tok1" '{}')" '^200 ' "authenticated requests work again"
else
	for _ in 1 2 3 4 5 6; do echo "ok $((n += 1)) # SKIP no PINGSVC_PGDATA/pg_ctl"; done
fi

# --- plain HTTP only when the config says tls = false ---
sed -e '/^tls_/d' -e "s/^port = .*/port = $((port + 1));/" "$tmp/ingest.conf" >"$tmp/nocert.conf"
"$ingest" serve --config "$tmp/nocert.conf" >/dev/null 2>"$tmp/nocert.log"
is "$?" 1 "no certificate and no tls = false: refuses to start"
like "$(cat "$tmp/nocert.log")" 'tls_cert and tls_key are required' "saying why"
rc=1
for p2 in $((port + 1)) $((port + 2)) $((port + 3)) $((port + 4)); do
	sed -i "s/^port = .*/port = $p2;/" "$tmp/nocert.conf"
	grep -q '^tls = false' "$tmp/nocert.conf" || printf 'tls = false;\n' >>"$tmp/nocert.conf"
	"$ingest" serve --config "$tmp/nocert.conf" 2>>"$tmp/server.log" &
	plain=$!
	for _ in $(seq 1 50); do
		kill -0 "$plain" 2>/dev/null || break
		if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p2/healthz")" = 200 ]; then
			rc=0
			break
		fi
		sleep 0.1
	done
	[ "$rc" = 0 ] && break
	kill -TERM "$plain" 2>/dev/null
	wait "$plain" 2>/dev/null
done
ok $rc "tls = false serves plain HTTP"
kill -TERM "$plain"
wait "$plain"
is "$?" 0 "and stops cleanly"

# --- graceful shutdown ---
kill -TERM "$server"
wait "$server"
is "$?" 0 "SIGTERM: clean exit 0"
server=
if grep -Eq 'AddressSanitizer|runtime error' "$tmp/server.log"; then
	ok 1 "server log free of sanitizer reports"
	sed 's/^/# /' "$tmp/server.log" | head -40
else
	ok 0 "server log free of sanitizer reports"
fi

done_testing
