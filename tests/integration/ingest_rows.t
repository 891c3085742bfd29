#!/usr/bin/env bash
#
# ingest_rows.t -- the traces, hops and derive_queue rows the gateway and
# the importer build in C (ingest/rows.c) equal those pingsvc.extract_results()
# builds in SQL from the same stored JSON: every stored traceroute is stored
# again through SQL (a copy of its results row, another key) and extracted
# there, and the two row sets are compared (ids aside).  Also: a rejected
# batch leaves nothing; derive = "deferred" leaves traces queued (GSS ones
# with detect false) until derive_pending(); derive = "inline" and the
# importer derive at once.
#
# Prints TAP.  Runs under tests/pg/with-pg, in a database of its own.
#
#	tests/pg/with-pg prove -v tests/integration/ingest_rows.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
ingest=$bin/pingsvc-ingest
data=${PINGSVC_DATA:-$(cd "$top/../shared/data" && pwd -P)}

. "$top/tests/integration/tap.sh"
need_db
need_built "$ingest"
need_tools curl openssl

gw_test=rows
gw_extra_conf='derive = "deferred";'
. "$top/tests/integration/gateway.sh"

now=$(date +%s)
t0=$((now - 600))
tok=$(ing enroll rows-w1 --caps icmp,udp,tcp)
like "$tok" '^[0-9]+\.[0-9a-f]{64}$' "enrolment token"
atlas=$data/traceroute/ripe-atlas
sc=$data/traceroute/scamper-warts

# --- 1. the importer: Atlas and scamper traceroutes, derived at once ---
ing import --format atlas "$atlas/sagan_traceroute_results.jsonl" \
    "$atlas/atlas_tools_traceroute_results.jsonl" >/dev/null 2>&1
ing import --format scamper "$sc/trace_google_dns_v4_default.json" \
    "$sc/trace_google_dns_v6_default.json" >/dev/null 2>&1
imported=$(q "SELECT count(*) FROM pingsvc.traces")
ok "$([ "$imported" -ge 20 ] && echo 0 || echo 1)" "importer stored traces in C ($imported)"
is "$(q "SELECT count(*) FROM pingsvc.derive_queue")" 0 "importer derived its traces (queue empty)"
like "$(q "SELECT count(*) FROM pingsvc.links")" '^[1-9][0-9]*$' "importer's traces have links"

# --- 2. the gateway: wire results with the corner cases of extraction ---
# T1 icmp, paris 3: repeated responder, a timeout and a dup (numbering),
# MPLS, err letters and numbers, an rtt rounding to 60000 (NULL), reached.
# T2 udp, GSS-stopped, closing unanswered hop 255 after a gap (dropped).
# T3 icmp, answered hop 255 after a gap (path to 255), not reached.
# T4 IPv6 tcp: a late reply (no rtt), an error hop, a tie (first wins).
# T5 no hops (no trace); T6 a ping (no trace).
w1='{"type": "traceroute", "af": 4, "proto": "ICMP", "dst_addr": "198.51.100.10", "paris_id": 3, "size": 48, "timestamp": '$t0', "idem_key": "t1", "result": [
 {"hop": 1, "result": [{"from": "192.0.2.1", "rtt": 1.2345, "size": 56, "ttl": 64}, {"from": "192.0.2.1", "rtt": 0.5, "ttl": 64}, {"from": "192.0.2.9", "rtt": 0.25}]},
 {"hop": 2, "result": [{"x": "*"}, {"from": "192.0.2.2", "rtt": 3.1, "dup": true}, {"from": "192.0.2.2", "rtt": 3.0}, {"from": "192.0.2.3", "rtt": 2.0}]},
 {"hop": 3, "result": [{"from": "192.0.2.4", "rtt": 4.0, "err": "N", "icmpext": {"version": 2, "rfc4884": 1, "obj": [{"class": 1, "type": 1, "mpls": [{"label": 24001, "exp": 0, "s": 0, "ttl": 1}, {"label": 16, "exp": 7, "s": 1, "ttl": 255}]}]}},
                      {"from": "192.0.2.4", "rtt": 4.5, "err": 3}, {"from": "192.0.2.4", "rtt": 4.7, "err": "Z"}]},
 {"hop": 4, "result": [{"from": "198.51.100.10", "rtt": 59999.9996, "ttl": 60}, {"from": "198.51.100.10", "rtt": 60000}, {"from": "198.51.100.10", "rtt": 9.0}]}]}'
w2='{"type": "traceroute", "af": 4, "proto": "UDP", "dst_addr": "198.51.100.11", "timestamp": '$((t0 + 1))', "idem_key": "t2", "stop_reason": "GSS", "result": [
 {"hop": 1, "result": [{"from": "192.0.2.1", "rtt": 1.0}]},
 {"hop": 3, "result": [{"from": "192.0.2.5", "rtt": 2.0}, {"x": "*"}]},
 {"hop": 255, "result": [{"x": "*"}, {"x": "*"}, {"x": "*"}]}]}'
w3='{"type": "traceroute", "af": 4, "proto": "ICMP", "dst_addr": "198.51.100.12", "timestamp": '$((t0 + 2))', "idem_key": "t3", "result": [
 {"hop": 1, "result": [{"from": "192.0.2.1", "rtt": 1.0}]},
 {"hop": 2, "result": [{"x": "*"}]},
 {"hop": 255, "result": [{"from": "203.0.113.7", "rtt": 80.25, "ttl": 1}]}]}'
w4='{"type": "traceroute", "af": 6, "proto": "TCP", "port": 443, "dst_addr": "2001:db8::10", "paris_id": 0, "timestamp": '$((t0 + 3))', "idem_key": "t4", "result": [
 {"hop": 1, "result": [{"from": "2001:db8::1", "late": 2}, {"from": "2001:db8::1", "rtt": 0.9, "size": 1280}]},
 {"hop": 2, "error": "network unreachable"},
 {"hop": 3, "result": [{"from": "2001:db8::3", "rtt": 5.0}, {"from": "2001:db8::4", "rtt": 4.0}]},
 {"hop": 4, "result": [{"from": "2001:db8::10", "rtt": 7.5, "ttl": 61}]}]}'
w5='{"type": "traceroute", "af": 4, "proto": "ICMP", "dst_addr": "198.51.100.13", "timestamp": '$((t0 + 4))', "idem_key": "t5", "result": []}'
w6=$(ping_result t6 - $((t0 + 5)) 198.51.100.14)
out=$(req POST /v1/submit "$tok" "{\"results\": [$w1, $w2, $w3, $w4, $w5, $w6]}")
like "$out" '^200 .*"stored":6' "gateway stores the batch of six"
gwq="SELECT count(*) FROM pingsvc.traces t JOIN pingsvc.results r USING (result_id, ts) WHERE r.idem_key LIKE 't_'"
is "$(q "$gwq")" 4 "four traces (no trace for the empty traceroute and the ping)"
is "$(q "SELECT string_agg(r.idem_key || ':' || q.detect, ',' ORDER BY r.idem_key)
           FROM pingsvc.derive_queue q JOIN pingsvc.traces t USING (trace_id, ts)
           JOIN pingsvc.results r USING (result_id, ts)")" "t1:true,t2:false,t3:true,t4:true" \
    "deferred: the four queued, the GSS one with detect false"
is "$(q "SELECT array_to_string(t.path, ',', '*') || ' ' || t.reached_ttl
           FROM pingsvc.traces t JOIN pingsvc.results r USING (result_id, ts) WHERE r.idem_key = 't1'")" \
    "192.0.2.1,192.0.2.2,192.0.2.4,198.51.100.10 4" "t1: path by most frequent responder, reached at 4"
is "$(q "SELECT cardinality(t.path) FROM pingsvc.traces t JOIN pingsvc.results r USING (result_id, ts)
          WHERE r.idem_key IN ('t2', 't3') ORDER BY r.idem_key")" "$(printf '3\n255')" \
    "closing hop 255: dropped when silent, kept when answered"

# A batch with one invalid item leaves nothing (no trace, hop or queue row).
before=$(q "SELECT (SELECT count(*) FROM pingsvc.traces) || '/' || (SELECT count(*) FROM pingsvc.hops) || '/' || (SELECT count(*) FROM pingsvc.derive_queue)")
bad='{"type": "traceroute", "af": 4, "proto": "ICMP", "dst_addr": "198.51.100.15", "timestamp": '$t0', "idem_key": "bad", "result": [{"hop": 1, "result": [{"from": "192.0.2.1", "rtt": -4}]}]}'
w7=${w1/\"t1\"/\"t7\"}
like "$(req POST /v1/submit "$tok" "{\"results\": [$w7, $bad]}")" '^400 .*results\[1\]' "invalid batch refused"
is "$(q "SELECT (SELECT count(*) FROM pingsvc.traces) || '/' || (SELECT count(*) FROM pingsvc.hops) || '/' || (SELECT count(*) FROM pingsvc.derive_queue)")" \
    "$before" "refused batch stored no row"

# --- 3. the same results stored again through SQL and extracted there ---
q "CREATE TABLE rows_map AS
   SELECT r.result_id AS orig, nextval('pingsvc.results_result_id_seq') AS copy, r.ts
     FROM pingsvc.results r WHERE r.type = 'traceroute'" >/dev/null
q "INSERT INTO pingsvc.results (result_id, ts, worker_id, idem_key, type, af, target, body, source, lts)
   SELECT m.copy, r.ts, r.worker_id, 'copy:' || r.idem_key, r.type, r.af, r.target, r.body, r.source, r.lts
     FROM rows_map m JOIN pingsvc.results r ON r.result_id = m.orig AND r.ts = m.ts" >/dev/null
sqlx=$(q "SELECT traces || ' ' || hops FROM pingsvc.extract_results(ARRAY(SELECT copy FROM rows_map))")
ctr=$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
                                     JOIN rows_map m ON m.orig = t.result_id)
           FROM pingsvc.traces t JOIN rows_map m ON m.orig = t.result_id")
is "$sqlx" "$ctr" "extract_results made as many traces and hops as C ($ctr)"
tsel="SELECT m.orig, t.vantage, t.worker_id, t.target, t.ts, t.proto, t.paris_id, t.path, t.reached,
             t.reached_ttl, t.source FROM pingsvc.traces t JOIN rows_map m ON t.result_id = m.%s"
hsel="SELECT m.orig, h.ttl, h.probe, h.address, h.rtt_ms, h.reply_ttl, h.size, h.mpls, h.icmp_type,
             h.icmp_code, h.ts FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
        JOIN rows_map m ON t.result_id = m.%s"
# shellcheck disable=SC2059
diff_q()
{
	q "SELECT count(*) FROM (($(printf "$1" orig) EXCEPT ALL $(printf "$1" copy))
	                       UNION ALL ($(printf "$1" copy) EXCEPT ALL $(printf "$1" orig))) d"
}
is "$(diff_q "$tsel")" 0 "traces rows: C equals SQL"
is "$(diff_q "$hsel")" 0 "hops rows: C equals SQL"
is "$(q "SELECT count(*) FROM pingsvc.derive_queue q JOIN pingsvc.traces t USING (trace_id, ts)
          JOIN rows_map m ON m.copy = t.result_id JOIN pingsvc.results r ON r.result_id = m.orig
         WHERE r.idem_key LIKE 't_' AND q.detect <> NOT coalesce(r.body->>'stop_reason' = 'GSS', false)")" 0 \
    "detect flags agree"
is "$(q "SELECT count(*) FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
          JOIN pingsvc.results r USING (result_id, ts) WHERE r.idem_key = 't1' AND h.mpls IS NOT NULL
           AND h.icmp_type = 3 AND h.icmp_code = 0")" 1 "t1: MPLS and err N on the first reply of hop 3"
is "$(q "SELECT count(*) FILTER (WHERE h.rtt_ms IS NULL) FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)
          JOIN pingsvc.results r USING (result_id, ts) WHERE r.idem_key = 't1' AND h.ttl = 4")" 2 \
    "t1: rtts of 60000 are NULL"

# --- 4. deferred traces wait for derive_pending (as the frontier runs it) ---
links0=$(q "SELECT count(*) FROM pingsvc.links")
PGUSER=$gwrole psql -X -At -c "SELECT traces FROM pingsvc.derive_pending()" >/dev/null
ok $? "derive_pending runs as the gateway role"
is "$(q "SELECT count(*) FROM pingsvc.derive_queue")" 0 "derive_pending drained the queue"
ok "$([ "$(q "SELECT count(*) FROM pingsvc.links")" -gt "$links0" ] && echo 0 || echo 1)" "deferred traces got their links"

# --- 5. derive = "inline": derived in the same request ---
kill -TERM "$server" && wait "$server"
server=
gw_extra_conf='derive = "inline";'
start_server
ok $? "server restarts with derive = inline"
url=https://localhost:$port
w8=${w1/\"t1\"/\"t8\"}
w8=${w8/198.51.100.10/198.51.100.20}
w8=${w8/198.51.100.10/198.51.100.20}
like "$(req POST /v1/submit "$tok" "{\"results\": [$w8]}")" '^200 .*"stored":1' "inline submit stored"
is "$(q "SELECT count(*) FROM pingsvc.derive_queue")" 0 "inline: nothing left queued"
is "$(q "SELECT count(*) FROM pingsvc.flows WHERE target = '198.51.100.20'")" 1 "inline: route history has the flow"

# --- 6. a bad derive setting is refused with its name ---
printf 'tls = false;\nderive = "later";\n' >"$tmp/bad.conf"
like "$("$ingest" serve --config "$tmp/bad.conf" 2>&1)" 'derive: "later" is not inline or deferred' \
    "derive setting validated"

done_testing
