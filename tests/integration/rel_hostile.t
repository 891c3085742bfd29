#!/bin/bash
# Hostile input at the gateway (pingsvc-ingest serve), as an outside
# contributor's worker, or someone who is not one, could send it:
#
#   forged tokens (none, malformed, wrong secret, unknown id, another
#   worker's id with one's own secret, revoked) on every /v1 endpoint;
#   a worker submitting results for jobs leased to another; replayed
#   batches (the same one again, after the job is done, by another worker);
#   absurd values (hop TTL 0 or 300, a reply TTL of 300, RTT negative or an
#   hour, 10,000 hops, the wrong address family); slow-loris connections
#   (the gateway keeps serving others).
#
# Each refusal must be the documented status, store nothing and change no
# job; the gateway must stay up throughout.  Needs a database
# (tests/pg/with-pg), curl and openssl.  About 15 s.
set -u
top=${PINGSVC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
ingest=${PINGSVC_BIN:-$top/build/release/bin}/pingsvc-ingest
. "$top/tests/integration/tap.sh"
need_db
need_built "$ingest"
gw_test=hostile
. "$top/tests/integration/gateway.sh"

toka=$(ing enroll rel-a --caps icmp,udp,tcp)
tokb=$(ing enroll rel-b --caps icmp,udp,tcp)
tokr=$(ing enroll rel-r --caps icmp)
ida=${toka%%.*} idb=${tokb%%.*}
now=$(date +%s)
nres() { q "SELECT count(*) FROM pingsvc.results"; }

# --- forged tokens --------------------------------------------------------------
ing revoke rel-r >/dev/null
secret_b=${tokb#*.}
bad_tokens=(
	"" "garbage" "$ida." "$ida.${toka#*.}x" "$ida.$(printf '%064d' 0)"
	"999999.${toka#*.}" "$ida.$secret_b" "$tokr" "-1.${toka#*.}"
	"$ida.${toka#*.}$(printf '\t')" "0x$ida.${toka#*.}"
)
body='{"results": ['$(ping_result forged-1 - "$now")']}'
refused=0 total=0
for t in "${bad_tokens[@]}"; do
	for ep in claim submit heartbeat; do
		total=$((total + 1))
		case $ep in
		submit) out=$(req POST /v1/submit "$t" "$body") ;;
		*) out=$(req POST /v1/$ep "$t" '{}') ;;
		esac
		if [[ $out == 401\ * ]]; then
			refused=$((refused + 1))
		else
			echo "# token '$t' on $ep: $out"
		fi
	done
done
is "$refused" "$total" "forged, revoked or swapped tokens: 401 on claim, submit, heartbeat ($total tries)"
is "$(nres)" 0 "nothing stored by them"
out=$(req POST /v1/claim "Bearer $toka" '{}')
like "$out" '^401 ' "a doubled 'Bearer' prefix is refused"

# --- results for jobs leased to another ----------------------------------------
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap)
   SELECT 'ping', ('198.51.100.' || g)::inet, 'icmp', 'icmp' FROM generate_series(1, 3) g" >/dev/null
out=$(req POST /v1/claim "$toka" '{"max": 3}')
like "$out" '^200 .*"job_id":3' "worker a claims 3 jobs"
body="{\"results\": [$(ping_result steal-1 1 "$now" 198.51.100.1)]}"
like "$(req POST /v1/submit "$tokb" "$body")" \
	'^409 .*results\[0\]: \\"job_id\\": 1 was not leased to this worker' \
	"b submitting for a's job: 409"
body="{\"results\": [$(ping_result steal-2 - "$now"), $(ping_result steal-3 2 "$now" 198.51.100.2)]}"
like "$(req POST /v1/submit "$tokb" "$body")" '^409 ' \
	"... also hidden behind a result of its own: 409, all or nothing"
body="{\"results\": [$(ping_result steal-4 424242 "$now")]}"
like "$(req POST /v1/submit "$tokb" "$body")" '^409 .*is not a job' "a job that does not exist: 409"
is "$(nres)" 0 "nothing stored by b"
is "$(q "SELECT string_agg(state || ':' || worker_id, ',' ORDER BY job_id) FROM pingsvc.jobs")" \
	"leased:$ida,leased:$ida,leased:$ida" "the jobs are still a's, leased"

# --- replayed batches -------------------------------------------------------------
batch="{\"results\": [$(ping_result rep-1 1 "$now" 198.51.100.1), $(ping_result rep-2 2 "$now" 198.51.100.2), $(ping_result rep-3 - "$now")]}"
like "$(req POST /v1/submit "$toka" "$batch")" '^200 .*"stored".*"stored".*"stored"' "a submits a batch of 3"
like "$(req POST /v1/submit "$toka" "$batch")" '^200 .*"duplicate".*"duplicate".*"duplicate"' \
	"the same batch again: 3 duplicates"
for i in 1 2 3 4 5; do req POST /v1/submit "$toka" "$batch" >/dev/null & done
wait $(jobs -p | grep -v "^$server\$")
is "$(q "SELECT count(*) FROM pingsvc.results WHERE worker_id = $ida")" 3 \
	"5 concurrent replays: still stored once"
like "$(req POST /v1/submit "$tokb" "$batch")" '^409 ' \
	"b replaying a's batch (jobs done by a): 409"
is "$(q "SELECT string_agg(state, ',' ORDER BY job_id) FROM pingsvc.jobs")" "done,done,leased" \
	"the jobs answered are done, once"

# --- absurd values --------------------------------------------------------------------
# trace HOPS_JSON [AF DST]: a traceroute result around the given hops.
trace()
{
	printf '{"type": "traceroute", "af": %s, "proto": "ICMP", "dst_addr": "%s", "timestamp": %s, "endtime": %s, "idem_key": "abs-%s", "paris_id": 1, "result": [%s]}' \
		"${2:-4}" "${3:-198.51.100.9}" "$now" "$((now + 1))" "$RANDOM$RANDOM" "$1"
}
hop() { printf '{"hop": %s, "result": [{"from": "%s", "rtt": %s, "ttl": %s, "size": 68}]}' "$1" "${2:-192.0.2.1}" "${3:-1.5}" "${4:-250}"; }
like "$(req POST /v1/submit "$toka" "{\"results\": [$(trace "$(hop 1)")]}")" '^200 .*"stored"' \
	"a sane traceroute is stored (control)"
before=$(nres)
i=0
absurd()
{
	local out
	printf '{"results": [%s]}' "$1" >"$tmp/absurd.json"
	out=$(req POST /v1/submit "$toka" "@$tmp/absurd.json")
	like "$out" '^400 .*bad_request' "$2: 400"
}
absurd "$(trace "$(hop 0)")" "hop TTL 0"
absurd "$(trace "$(hop 300)")" "hop TTL 300"
absurd "$(trace "$(hop 1 192.0.2.1 1.5 300)")" "reply TTL 300"
absurd "$(trace "$(hop 1 192.0.2.1 -1.5)")" "RTT negative"
absurd "$(trace "$(hop 1 192.0.2.1 3600000)")" "RTT of an hour"
absurd "$(trace "$(hop 1 192.0.2.1 1e308)")" "RTT 1e308"
absurd "$(trace "$(hop 1 192.0.2.1 NaN)")" "RTT NaN"
hops=$(awk 'BEGIN { for (h = 1; h <= 10000; h++) printf "%s{\"hop\": %d, \"result\": [{\"x\": \"*\"}]}", (h > 1 ? "," : ""), h }')
absurd "$(trace "$hops")" "10,000 hops"
absurd "$(trace "$(hop 2), $(hop 1)")" "hops out of order"
absurd "$(trace "$(hop 1)" 4 2001:db8::1)" "af 4 with an IPv6 destination"
absurd "$(trace "$(hop 1)" 6 198.51.100.9)" "af 6 with an IPv4 destination"
absurd "$(trace "$(hop 1 2001:db8::1)")" "an IPv6 hop in an IPv4 traceroute"
absurd "$(trace "$(hop 1)" 5)" "af 5"
absurd "$(ping_result abs-p - "$now" 198.51.100.0/24)" "a prefix as destination"
absurd "$(ping_result "$(printf 'k%.0s' $(seq 1 300))" - "$now")" "an idempotency key of 300 bytes"
absurd "$(ping_result abs-t - 99999999999)" "a timestamp in the year 5138"
is "$(nres)" "$before" "none of them stored"

# --- slow loris ----------------------------------------------------------------------
# 40 connections that never finish their TLS handshake and 10 that finish
# it and then send half a request, all held open; the gateway must go on
# answering others at once.
slow=()
for i in $(seq 1 40); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || break
	printf '\x16\x03\x01' >&$fd
	slow+=("$fd")
done
lorispids=() lorisfds=()
for i in $(seq 1 10); do
	mkfifo "$tmp/loris$i"
	openssl s_client -quiet -connect "127.0.0.1:$port" <"$tmp/loris$i" >/dev/null 2>&1 &
	lorispids+=($!)
	exec {fd}>"$tmp/loris$i"
	lorisfds+=("$fd")
	printf 'POST /v1/submit HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n{"res' "$toka" >&$fd
done
sleep 1
t0=$(date +%s%N)
out=$(req POST /v1/heartbeat "$toka" '{}')
t1=$(date +%s%N)
like "$out" '^200 ' "with 50 slow connections open: a heartbeat is answered"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 3000 ]
ok $? "... within 3 s ($ms ms)"
okc=0
for i in $(seq 1 10); do req GET /healthz '' | grep -q '^200 ' && okc=$((okc + 1)); done
is "$okc" 10 "10 more requests answered meanwhile"
for fd in "${slow[@]}" "${lorisfds[@]}"; do exec {fd}>&-; done
kill "${lorispids[@]}" 2>/dev/null
wait "${lorispids[@]}" 2>/dev/null
kill -0 "$server" 2>/dev/null
ok $? "the gateway is still running"
like "$(req POST /v1/claim "$toka" '{}')" '^200 ' "and serves its workers"
done_testing
