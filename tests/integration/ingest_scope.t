#!/usr/bin/env bash
#
# ingest_scope.t -- the gateway's issue items beyond v1, over real HTTPS:
# worker scopes (enroll/scope options; claim never hands out a job outside
# the scope; a result outside it is 403; the rate cap is 403/429), the
# heartbeat cannot widen capabilities, silent workers (view and /metrics),
# lts stored, late results made a partition, too-old results refused with
# the reason and counted.
#
# Prints TAP.  Runs under tests/pg/with-pg, in a database of its own.
#
#	tests/pg/with-pg prove -v tests/integration/ingest_scope.t
#

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
ingest=$bin/pingsvc-ingest

. "$top/tests/integration/tap.sh"
need_db
need_built "$ingest"
need_tools curl openssl

gw_test=scope
. "$top/tests/integration/gateway.sh"

# hdr METHOD PATH TOKEN BODY -- prints the response headers and body.
hdr()
{
	curl -s -D - --cacert "$tmp/cert.pem" --resolve "localhost:$port:127.0.0.1" \
	    -X "$1" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
	    --data-binary "$4" "$url$2"
}

now=$(date +%s)
wid() { q "SELECT worker_id FROM pingsvc.workers WHERE name = '$1'"; }

# --- enroll with a scope, and the scope command ---
tok=$(ing enroll sc-w1 --caps icmp --kinds ping --prefix 198.51.100.0/25 --prefix 2001:db8::/32 --rate 5)
like "$tok" '^[0-9]+\.[0-9a-f]{64}$' "enroll with a scope: token"
is "$(q "SELECT scope_kinds::text || ' ' || scope_protos::text || ' ' || caps::text || ' ' || scope_prefixes::text || ' ' || rate_per_min FROM pingsvc.workers WHERE name = 'sc-w1'")" \
    '{ping} {icmp} {icmp} {198.51.100.0/25,2001:db8::/32} 5' "the scope is stored"
tokall=$(ing enroll sc-all)
is "$(q "SELECT scope_kinds::text || ' ' || scope_protos::text || ' ' || (scope_prefixes IS NULL) || ' ' || (rate_per_min IS NULL) FROM pingsvc.workers WHERE name = 'sc-all'")" \
    '{ping,traceroute} {icmp,udp,tcp} true true' "enroll without options: everything, no cap"
ing enroll sc-bad --prefix 10.0.0.1/8 >/dev/null 2>"$tmp/err"
is "$?" 2 "a prefix with host bits is a usage error"
ing enroll sc-bad --kinds ping,dns >/dev/null 2>"$tmp/err"
is "$?" 2 "an unknown kind is a usage error"
like "$(cat "$tmp/err")" 'kinds: "dns" is not ping or traceroute' "naming it"
ing scope nobody --rate 3 >/dev/null 2>&1
is "$?" 1 "scope of an unknown worker fails"

# --- claim hands out only jobs inside the scope ---
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, port) VALUES
   ('traceroute', '198.51.100.10', 'icmp', 'icmp', NULL),
   ('ping', '198.51.100.11', 'tcp', 'tcp', 443),
   ('ping', '198.51.100.200', 'icmp', 'icmp', NULL),
   ('ping', '203.0.113.5', 'icmp', 'icmp', NULL),
   ('ping', '198.51.100.12', 'icmp', 'icmp', NULL),
   ('ping', '2001:db8::12', 'icmp', 'icmp', NULL)" >/dev/null
out=$(req POST /v1/claim "$tok" '{"max": 50}')
like "$out" '^200 ' "claim: 200"
is "$(grep -o '"dst_addr":"[^"]*"' <<<"$out" | sort | tr '\n' ' ')" \
    '"dst_addr":"198.51.100.12" "dst_addr":"2001:db8::12" ' "only the ping/icmp jobs inside the prefixes"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE state = 'ready'")" 4 "the four others stay ready"
is "$(grep -o '"job_id"' <<<"$(req POST /v1/claim "$tok" '{"max": 50}')" | wc -l | tr -d ' ')" 0 \
    "and are never handed to it"

# --- submit outside the scope: 403, nothing stored ---
body="{\"results\": [$(ping_result o-1 - "$now" 198.51.100.20), $(ping_result o-2 - "$now" 203.0.113.7)]}"
out=$(req POST /v1/submit "$tok" "$body")
like "$out" '^403 \{"error":"forbidden","detail":"results\[1\]: \\"dst_addr\\": 203.0.113.7 is outside this worker.s scope' \
    "a target outside the prefixes: 403 naming the item"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE idem_key IN ('o-1', 'o-2')")" 0 "nothing of it stored"
body="{\"results\": [$(ping_result o-3 - "$now" 198.51.100.20 | sed 's/"ICMP"/"TCP", "port": 80/')]}"
like "$(req POST /v1/submit "$tok" "$body")" '^403 .*results\[0\]: \\"proto\\": TCP is outside' "a protocol outside: 403"
trace=$(head -n 1 "${PINGSVC_DATA:-$top/../shared/data}/route-changes/route-change-vectors.jsonl" |
    sed "s/\"timestamp\": [0-9]*/\"timestamp\": $now/; s/\"endtime\": [0-9]*/\"endtime\": $((now + 4))/; s/}\$/, \"idem_key\": \"o-4\"}/")
like "$(req POST /v1/submit "$tok" "{\"results\": [$trace]}")" '^403 .*results\[0\]: \\"type\\": traceroute is outside' \
    "a kind outside: 403"
like "$(req POST /v1/submit "$tokall" "{\"results\": [$trace]}")" '^200 .*"stored"' "the same traceroute from an unscoped worker: 200"

# --- rate cap: 5 new results a minute ---
# (At most a minute boundary may fall between the requests; the window is
# re-read, so retry once if it did.)
rate_round()
{
	local p=$1 out
	q "UPDATE pingsvc.workers SET rate_window = NULL, rate_count = 0 WHERE name = 'sc-w1'" >/dev/null
	b6="{\"results\": [$(for i in 1 2 3 4 5 6; do [ $i -gt 1 ] && printf ,; ping_result $p-r6-$i - "$now" 198.51.100.30; done)]}"
	r6=$(req POST /v1/submit "$tok" "$b6")
	b3="{\"results\": [$(for i in 1 2 3; do [ $i -gt 1 ] && printf ,; ping_result $p-a-$i - "$now" 198.51.100.30; done)]}"
	ra=$(req POST /v1/submit "$tok" "$b3")
	rdup=$(req POST /v1/submit "$tok" "$b3")
	b3="{\"results\": [$(for i in 1 2 3; do [ $i -gt 1 ] && printf ,; ping_result $p-b-$i - "$now" 198.51.100.30; done)]}"
	rb=$(hdr POST /v1/submit "$tok" "$b3")
}
rate_round x
case "$rb" in *" 429 "*) ;; *) rate_round y ;; esac
like "$r6" '^403 .*6 new results in one submit exceed the rate cap of 5 per minute' "a batch above the cap: 403"
like "$ra" '^200 .*"stored":3' "3 new results within the cap: 200"
like "$rdup" '^200 .*"duplicates":3' "re-sending them is not counted"
like "$rb" 'HTTP/[0-9.]+ 429' "3 more in the same minute: 429"
like "$rb" '[Rr]etry-[Aa]fter: [0-9]+' "with Retry-After"
like "$rb" '"error":"rate_limited","detail":"rate cap of 5 new results per minute reached' "and the reason"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE idem_key LIKE '%-b-%' OR idem_key LIKE '%-r6-%'")" 0 \
    "refused batches store nothing"

# --- heartbeat cannot widen the capabilities ---
out=$(req POST /v1/heartbeat "$tok" '{"caps": ["icmp", "udp", "tcp"]}')
like "$out" '^200 .*"caps":\["icmp"\]' "heartbeat reporting more: answered with the enrolled caps"
is "$(q "SELECT caps::text || ' ' || reported_caps::text FROM pingsvc.workers WHERE name = 'sc-w1'")" \
    '{icmp} {icmp,udp,tcp}' "caps clamped, the reported ones kept apart"
like "$(req POST /v1/heartbeat "$tok" '{"caps": []}')" '"caps":\[\]' "a heartbeat can narrow them"
like "$(req POST /v1/heartbeat "$tok" '{"caps": ["tcp", "icmp"]}')" '"caps":\["icmp"\]' "and restore them, within the scope"
out=$(ing scope sc-w1 --caps icmp,tcp --kinds ping,traceroute --any-prefix --no-rate)
is "$out" 'sc-w1: kinds {ping,traceroute}, protocols {icmp,tcp} (usable now {icmp,tcp}), prefixes any, rate no cap' \
    "scope widens the scope, and says so"
like "$(req POST /v1/claim "$tok" '{"max": 50}')" '"dst_addr":"198.51.100.11","proto":"TCP"' "now the tcp ping is handed to it"
out=$(ing scope sc-w1 --caps icmp)
like "$out" 'protocols \{icmp\} \(usable now \{icmp\}\)' "scope narrows caps at once"

# --- a job naming its vantage goes to that worker only ---
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, params) VALUES
   ('ping', '198.51.100.13', 'icmp', 'icmp', '{\"vantage\": \"sc-all\"}'),
   ('ping', '198.51.100.14', 'icmp', 'icmp', '{\"vantage\": \"someone-else\"}')" >/dev/null
out=$(req POST /v1/claim "$tok" '{"max": 50}')
is "$(grep -o '"job_id"' <<<"$out" | wc -l | tr -d ' ')" 0 \
    "a job naming another vantage is not handed out, even inside the scope"
out=$(req POST /v1/claim "$tokall" '{"max": 50}')
like "$out" '"dst_addr":"198.51.100.13"' "the named vantage gets its job"
if grep -q '"dst_addr":"198.51.100.14"' <<<"$out"; then
	ok 1 "nor is a job for a third worker"
else
	ok 0 "nor is a job for a third worker"
fi

# --- lts, late results, too-old results ---
body="{\"results\": [$(ping_result l-1 - "$now" 198.51.100.40 | sed 's/^{/{"lts": 42, /')]}"
like "$(req POST /v1/submit "$tokall" "$body")" '^200 .*"stored"' "a result with lts: stored"
is "$(q "SELECT lts FROM pingsvc.results WHERE idem_key = 'l-1'")" 42 "lts is stored in its column"
is "$(q "SELECT bool_and(lts IS NULL) FROM pingsvc.results WHERE idem_key LIKE '%-a-%'")" t "NULL when the result has none"
late=$((now - 10 * 86400))
lateday=$(date -u -d "@$late" +%Y%m%d)
is "$(q "SELECT to_regclass('pingsvc.results_p$lateday') IS NULL")" t "no partition 10 days back yet"
body="{\"results\": [$(ping_result l-2 - "$late" 198.51.100.41)]}"
like "$(req POST /v1/submit "$tokall" "$body")" '^200 .*"stored"' "a result spooled for 10 days: stored"
is "$(q "SELECT tableoid::regclass FROM pingsvc.results WHERE idem_key = 'l-2'")" "pingsvc.results_p$lateday" \
    "in the partition of its measurement day"
old=$((now - 200 * 86400))
oldday=$(date -u -d "@$old" +%Y-%m-%d)
body="{\"results\": [$(ping_result l-3 - "$now" 198.51.100.42), $(ping_result l-4 - "$old" 198.51.100.43), $(ping_result l-5 - "$old" 198.51.100.44)]}"
out=$(req POST /v1/submit "$tokall" "$body")
like "$out" "^422 \\{\"error\":\"unprocessable\",\"detail\":\"results\\[1\\]: measured $oldday, older than the retained partitions \\(180 days\\); 2 results are too old\"" \
    "results beyond the retention: 422 with the reason"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE idem_key IN ('l-3', 'l-4', 'l-5')")" 0 "all or nothing"
future=$((now + 40 * 86400))
body="{\"results\": [$(ping_result l-6 - "$future" 198.51.100.45)]}"
like "$(req POST /v1/submit "$tokall" "$body")" '^422 .*results\[0\]: \\"timestamp\\": [0-9]+ \([0-9-]+\) falls on a day the database keeps no partition for yet \(clock ahead\?\)' \
    "a result from the future: 422, clock ahead"
is "$(q "SELECT count(*) FROM pingsvc.results_p$(date -u -d "@$future" +%Y%m%d) WHERE false" 2>/dev/null || echo none)" none \
    "and no partition is made for it"

# --- silent workers ---
toks=$(ing enroll sc-silent)
q "UPDATE pingsvc.workers SET created_at = now() - interval '2 hours' WHERE name IN ('sc-silent')" >/dev/null
like "$(req POST /v1/heartbeat "$toks" '{}')" '^200 ' "a silent worker heartbeats"
is "$(q "SELECT string_agg(name, ',' ORDER BY name) FROM pingsvc.silent_workers")" sc-silent \
    "pingsvc.silent_workers lists it (and not the workers that delivered)"
metrics=$(req GET /metrics '')
like "$metrics" 'pingsvc_ingest_silent_workers 1' "/metrics counts it"
like "$metrics" 'pingsvc_ingest_results_too_old_total 2' "/metrics counts the too-old results"
like "$metrics" 'pingsvc_ingest_results_out_of_scope_total 3' "and the out-of-scope submits"
like "$metrics" 'pingsvc_ingest_rate_limited_total [12]' "and the rate-limited ones"
like "$metrics" 'pingsvc_ingest_requests_total\{endpoint="submit",status="429"\} [12]' "429 by endpoint"
body="{\"results\": [$(ping_result si-1 - "$now" 198.51.100.50)]}"
like "$(req POST /v1/submit "$toks" "$body")" '^200 ' "it delivers a result"
is "$(q "SELECT count(*) FROM pingsvc.silent_workers")" 0 "no longer silent"
# Named, and a threshold far above the test's own duration: under load other
# workers of this test may sit between two requests for more than a second.
is "$(q "SELECT count(*) FROM pingsvc.silent_workers_after('10 minutes') WHERE name = 'sc-silent'")" 0 \
    "the function takes the threshold"
like "$(req GET /metrics '')" 'pingsvc_ingest_silent_workers 0' "/metrics agrees"
is "$(q "SET ROLE pingsvc_viewer; SELECT count(*) FROM pingsvc.silent_workers" | tail -n 1)" 0 "the viewer can read the view"

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
