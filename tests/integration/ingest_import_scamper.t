#!/usr/bin/env bash
#
# ingest_import_scamper.t -- `pingsvc-ingest import --format scamper`: the
# real scamper captures of ../shared/data/traceroute/scamper-warts (trace,
# ping and MDA trace, IPv4 and IPv6) stored with exact counts of results,
# traces and hops, refusals with their reason, idempotent re-import, the
# vantage (from the cycle's hostname or --vantage), the RTT buckets of the
# imported traces; and native imports held to the worker's scope.
#
# Prints TAP.  Runs under tests/pg/with-pg in a database of its own.
#
#	tests/pg/with-pg prove -v tests/integration/ingest_import_scamper.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
data=${PINGSVC_DATA:-$(cd "$top/../shared/data" && pwd -P)}
ingest=$bin/pingsvc-ingest

. "$top/tests/integration/tap.sh"
need_db
need_built "$ingest"

own_db pingsvc_t_scamper_$$

q() { psql -X -At -c "$1"; }
gwrole=pingsvc_t_gws_$$
own_role "$gwrole" pingsvc_ingest
ing() { PGUSER=$gwrole "$ingest" "$@"; }
field() { printf '%s\n' "$1" | sed -n "s/^$2 \([0-9]*\)\$/\1/p"; }

sc=$data/traceroute/scamper-warts
vp=scamper-ubuntu-linux-20-04-desktop

# 1. All six captures: 2 traces (v4: TTL 1-5 and 7 answered, 6 silent; v6:
# 1-2 and 4-7 answered), 2 pings (4 of 4 replies each), 2 MDA traces
# refused; the cycle records are no items.
out=$(ing import --format scamper "$sc/trace_google_dns_v4_default.json" \
    "$sc/trace_google_dns_v6_default.json" "$sc/ping_google_dns_v4_default.json" \
    "$sc/ping_google_dns_v6_default.json" "$sc/tracelb_google_dns_v4_default.json" \
    "$sc/tracelb_google_dns_v6_default.json" 2>"$tmp/err")
ok $? "scamper import exits 0 with refused items"
is "$(field "$out" 'results stored') $(field "$out" duplicates) $(field "$out" refused)" "4 0 2" \
    "4 results stored, 2 refused"
is "$(field "$out" traces) $(field "$out" hops)" "2 12" "2 traces and 12 hops stored"
is "$(grep -c 'is not imported' "$tmp/err")" 2 "one reason line per refused item"
like "$(cat "$tmp/err")" 'tracelb_google_dns_v4_default\.json:2: "type": "tracelb" is not imported \(only trace and ping records\)' \
    "the refusal names FILE:LINE and why"
is "$(q "SELECT string_agg(type || '/' || af, ',' ORDER BY type, af) FROM pingsvc.results WHERE source = 'scamper'")" \
    "ping/4,ping/6,traceroute/4,traceroute/6" "results tagged source scamper"
is "$(q "SELECT count(*) FROM pingsvc.traces WHERE source = 'scamper' AND vantage = '$vp'")" 2 \
    "traces tagged scamper, vantage from the cycle's hostname"
is "$(q "SELECT array_to_string(path, ',', '*') || ' ' || reached_ttl FROM pingsvc.traces WHERE target = '8.8.8.8'")" \
    "137.194.164.254,137.194.22.119,212.73.200.45,4.69.133.238,4.68.71.138,*,8.8.8.8 7" \
    "v4 path with the silent hop 6, reached at TTL 7"
is "$(q "SELECT count(*) FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts) WHERE t.target = '2001:4860:4860::8888'")" 6 \
    "v6 trace: 6 hops"
is "$(q "SELECT proto || ' ' || (body->>'port') || ' ' || (body->>'src_addr') FROM pingsvc.traces t JOIN pingsvc.results r USING (result_id, ts) WHERE t.target = '8.8.8.8'")" \
    "udp 33435 137.194.165.109" "udp-paris is UDP to port 33435 from the scamper host"
is "$(q "SELECT idem_key FROM pingsvc.results WHERE source = 'scamper' AND type = 'ping' AND af = 4")" \
    "ping:137.194.165.109:8.8.8.8:1644339038.115756:icmp-echo" "stable key from src, dst, start and method"
is "$(q "SELECT (body->>'rcvd') || ' ' || (body->>'min') || ' ' || (body->>'max') FROM pingsvc.results WHERE source = 'scamper' AND type = 'ping' AND af = 4")" \
    "4 1.591 2.368" "ping statistics"
is "$(q "SELECT enabled::text || ' ' || cardinality(caps) FROM pingsvc.workers WHERE name = '$vp'")" "false 0" \
    "the vantage is a disabled workers row that can claim nothing"

# 2. Re-import stores nothing new.
out=$(ing import --format scamper "$sc/trace_google_dns_v4_default.json" \
    "$sc/trace_google_dns_v6_default.json" "$sc/ping_google_dns_v4_default.json" \
    "$sc/ping_google_dns_v6_default.json" 2>/dev/null)
is "$(field "$out" 'results stored') $(field "$out" duplicates) $(field "$out" traces)" "0 4 0" \
    "re-import: 0 stored, 4 duplicates, no trace"
out=$(ing import --format scamper --vantage other-vp "$sc/trace_google_dns_v4_default.json" 2>/dev/null)
is "$(field "$out" duplicates)" 1 "the key does not depend on the vantage"
is "$(q "SELECT count(*) FROM pingsvc.results")" 4 "still 4 rows"

# 3. A JSON array, --vantage, and records without a host.
sed -n 2p "$sc/trace_google_dns_v4_default.json" | sed 's/"sec":1644327319, "usec":811234/"sec":1644327919, "usec":1/' >"$tmp/t.json"
{ echo '['; cat "$tmp/t.json"; echo ',{"type":"ping","method":"icmp-echo","src":"192.0.2.1","dst":"not-an-address"}]'; } >"$tmp/arr.json"
out=$(ing import --format scamper --vantage lab-vp1 "$tmp/arr.json" 2>"$tmp/err")
is "$(field "$out" 'results stored') $(field "$out" refused) $(field "$out" traces)" "1 1 1" "array: 1 stored, 1 refused"
like "$(cat "$tmp/err")" 'arr\.json:#2: "dst": ' "array refusal names element #2 and the field"
is "$(q "SELECT vantage FROM pingsvc.traces WHERE ts = to_timestamp(1644327919)")" lab-vp1 "--vantage names the vantage"
out=$(ing import --format scamper "$tmp/t.json" 2>"$tmp/err")
is "$(field "$out" refused)" 1 "no cycle record and no --vantage: refused"
like "$(cat "$tmp/err")" 't\.json:1: no vantage: .*give --vantage NAME' "with the reason"
ing import --format scamper --vantage 'bad name' "$tmp/t.json" >/dev/null 2>"$tmp/err"
like "$(cat "$tmp/err")" '--vantage "bad name"' "an invalid --vantage is refused"
ing import --format scamper --worker x "$tmp/t.json" >/dev/null 2>&1
is "$?" 2 "--worker is not for scamper"
sed 's/"sec":1644327919/"sec":1644328519/' "$tmp/t.json" >"$tmp/t2.json"
ing import --strict --format scamper --vantage lab-vp2 "$tmp/t2.json" "$sc/tracelb_google_dns_v4_default.json" >/dev/null 2>&1
is "$?" 1 "--strict with a refused record exits 1"
out=$(ing import --strict --format scamper --vantage lab-vp2 "$tmp/t2.json" 2>/dev/null)
is "$(field "$out" 'results stored') $(q "SELECT count(*) FROM pingsvc.workers WHERE name = 'lab-vp2'")" "1 1" \
    "--strict without refusals stores it, under a vantage made once"

# 4. The imported traces in the RTT buckets: the v4 destination answered in
# 1.969 ms; the lab-vp1 and lab-vp2 copies of the v4 trace fall in the same hour.
q "SELECT pingsvc.fold_rtt_buckets(NULL)" >/dev/null
is "$(q "SELECT samples || ' ' || median_ms FROM pingsvc.rtt_buckets WHERE vantage = '$vp' AND target = '8.8.8.8'")" \
    "1 1.969" "fold_rtt_buckets: the v4 trace's destination sample"
is "$(q "SELECT samples || ' ' || median_ms FROM pingsvc.rtt_summary('$vp', '8.8.8.8', '2022-02-08', '2022-02-09', '1 day')")" \
    "1 1.969" "rtt_summary reads it"
is "$(q "SELECT count(*) || ' ' || sum(samples) FROM pingsvc.link_rtt_buckets")" "8 16" \
    "link buckets: 4 links per path (none across a silent hop), the v4 ones seen three times"

# 5. Native imports on behalf of a worker obey its scope, item by item.
ing enroll imp-s1 --caps icmp --kinds ping --prefix 198.51.100.0/25 >/dev/null || exit 1
{
	printf '%s\n' '{"type":"ping","af":4,"proto":"ICMP","dst_addr":"198.51.100.7","timestamp":1764000000,"idem_key":"s-1","sent":1,"rcvd":1,"min":1,"avg":1,"max":1,"result":[{"rtt":1}]}'
	printf '%s\n' '{"type":"traceroute","af":4,"proto":"ICMP","dst_addr":"198.51.100.8","timestamp":1764000000,"idem_key":"s-2","result":[{"hop":1,"result":[{"from":"198.51.100.8","rtt":1}]}]}'
	printf '%s\n' '{"type":"ping","af":4,"proto":"ICMP","dst_addr":"198.51.100.200","timestamp":1764000000,"idem_key":"s-3","sent":1,"rcvd":0,"result":[{"x":"*"}]}'
	printf '%s\n' '{"type":"ping","af":4,"proto":"UDP","port":53,"dst_addr":"198.51.100.9","timestamp":1764000000,"idem_key":"s-4","sent":1,"rcvd":0,"result":[{"x":"*"}]}'
} >"$tmp/native.jsonl"
out=$(ing import --format native --worker imp-s1 "$tmp/native.jsonl" 2>"$tmp/err")
ok $? "native import with refusals exits 0"
is "$(field "$out" 'results stored') $(field "$out" refused)" "1 3" "1 in scope stored, 3 refused"
like "$(cat "$tmp/err")" 'native\.jsonl:2: "type": traceroute is outside this worker.s scope \(kinds \{ping\}\)' \
    "kind outside the scope, worded as the gateway does"
like "$(cat "$tmp/err")" 'native\.jsonl:3: "dst_addr": 198\.51\.100\.200 is outside this worker.s scope \(prefixes \{198\.51\.100\.0/25\}\)' \
    "target outside the prefixes"
like "$(cat "$tmp/err")" 'native\.jsonl:4: "proto": UDP is outside this worker.s scope' "protocol outside"
ing import --strict --format native --worker imp-s1 "$tmp/native.jsonl" >/dev/null 2>&1
is "$?" 1 "--strict: scope refusals store nothing"

done_testing
