#!/usr/bin/env bash
#
# ingest_import.t -- `pingsvc-ingest import`: RIPE Atlas files (one object
# per line and a JSON array), native results of an enrolled worker,
# refused items reported as FILE:LINE, idempotent re-import, --strict.
#
# Prints TAP.  Runs under tests/pg/with-pg; works in a database of its own
# (made and migrated here, dropped at the end) so that other tests' data
# does not change its counts.
#
#	tests/pg/with-pg prove -v tests/integration/ingest_import.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
data=${PINGSVC_DATA:-$(cd "$top/../shared/data" && pwd -P)}
ingest=$bin/pingsvc-ingest

. "$top/tests/integration/tap.sh"
need_db
need_built "$ingest"

own_db pingsvc_t_import_$$

q() { psql -X -At -c "$1"; }

# The programs run as a login role in pingsvc_ingest, as in production, so
# the grants of the schema are tested too; checks run as the superuser.
gwrole=pingsvc_t_gw_$$
own_role "$gwrole" pingsvc_ingest
ing() { PGUSER=$gwrole "$ingest" "$@"; }
# field OUTPUT NAME -- the number after "NAME " in the importer's output.
field() { printf '%s\n' "$1" | sed -n "s/^$2 \([0-9]*\)\$/\1/p"; }

atlas=$data/traceroute/ripe-atlas
vectors=$data/route-changes/route-change-vectors.jsonl
has_process=$(q "SELECT to_regprocedure('pingsvc.process_results(bigint[])') IS NOT NULL")

# 1. The sagan traceroute file: 21 decodable, line 22 lacks dst_addr, and
# lines 20 and 21 are the same measurement (byte-identical; two sagan tests
# use it), so one key: 20 stored, 1 duplicate.
out=$(ing import --format atlas "$atlas/sagan_traceroute_results.jsonl" 2>"$tmp/err")
ok $? "atlas import exits 0 with a refused item"
is "$(field "$out" 'results stored') $(field "$out" duplicates)" "20 1" \
    "20 results stored, line 21 a duplicate of line 20"
is "$(field "$out" refused)" 1 "1 refused"
like "$(cat "$tmp/err")" '^.*sagan_traceroute_results\.jsonl:22: "dst_addr": missing$' \
    "refusal names FILE:LINE and the field"
is "$(q "SELECT count(*) FROM pingsvc.results WHERE source = 'atlas' AND type = 'traceroute'")" 20 \
    "20 traceroute rows in results"
is "$(q "SELECT count(*) FROM pingsvc.result_keys WHERE namespace = 'atlas'")" 20 "20 keys in namespace atlas"
is "$(q "SELECT idem_key FROM pingsvc.results WHERE ts = to_timestamp(1340329190)")" \
    "1000157:190:1340329190:121.244.76.25" "key is msm_id:prb_id:timestamp:dst_addr"
is "$(q "SELECT body->>'dst_addr' || ' ' || (body->'result'->0->>'hop') FROM pingsvc.results WHERE ts = to_timestamp(1340329190)")" \
    "121.244.76.25 1" "body is the canonical JSON of the result"

# 2. Re-import stores nothing twice.
out=$(ing import --format atlas "$atlas/sagan_traceroute_results.jsonl" 2>/dev/null)
is "$(field "$out" 'results stored') $(field "$out" duplicates)" "0 21" "re-import: 0 stored, 21 duplicates"
is "$(q "SELECT count(*) FROM pingsvc.results")" 20 "still 20 rows"

# 3. The route-change vectors (54), derived data when process_results exists.
out=$(ing import --format atlas "$vectors" 2>"$tmp/err")
ok $? "route-change vectors import"
is "$(field "$out" 'results stored') $(field "$out" refused)" "54 0" "54 stored, none refused"
if [ "$has_process" = t ]; then
	traces=$(field "$out" traces)
	[ "${traces:-0}" -eq 54 ]
	ok $? "process_results made 54 traces (got $traces)"
	is "$(q "SELECT count(*) FROM pingsvc.traces WHERE source = 'atlas'")" \
	    "$(q "SELECT count(*) FROM pingsvc.results WHERE type = 'traceroute'")" \
	    "one trace per traceroute result"
else
	echo "ok $((n += 1)) # SKIP pingsvc.process_results does not exist yet"
	echo "ok $((n += 1)) # SKIP pingsvc.process_results does not exist yet"
fi

# 4. A JSON array file: refusals are named by element (#N).
{ echo '['; paste -sd, "$atlas/sagan_ping_results.jsonl"; echo ']'; } >"$tmp/ping.json"
out=$(ing import --format atlas "$tmp/ping.json" 2>"$tmp/err")
ok $? "JSON array import"
is "$(field "$out" 'results stored') $(field "$out" refused)" "14 1" "array: 14 stored, 1 refused"
like "$(cat "$tmp/err")" 'ping\.json:#2: "dst_addr": missing' "array refusal names element #2"
out=$(ing import --format atlas "$atlas/sagan_ping_results.jsonl" 2>/dev/null)
is "$(field "$out" duplicates)" 14 "same results as lines are duplicates of the array's"

# 5. --strict: any refusal stores nothing.
before=$(q "SELECT count(*) FROM pingsvc.results")
ing import --strict --format atlas "$atlas/atlas_tools_ping_results.jsonl" \
    "$atlas/sagan_traceroute_results.jsonl" >"$tmp/out" 2>"$tmp/err"
is "$?" 1 "--strict with a refusal exits 1"
is "$(q "SELECT count(*) FROM pingsvc.results")" "$before" "--strict stored nothing"
ing import --strict --format atlas "$atlas/atlas_tools_ping_results.jsonl" >"$tmp/out" 2>&1
ok $? "--strict without refusals exits 0"
is "$(field "$(cat "$tmp/out")" 'results stored')" 16 "--strict stored the clean file"

# 6. Garbage lines are refused one by one; the rest is stored.
printf '%s\n' 'not json' '{"type": "ping"}' '' >"$tmp/bad.jsonl"
head -n 1 "$vectors" | sed 's/"msm_id": 7000001/"msm_id": 7999999/' >>"$tmp/bad.jsonl"
out=$(ing import --format atlas "$tmp/bad.jsonl" 2>"$tmp/err")
is "$(field "$out" 'results stored') $(field "$out" refused)" "1 2" "bad lines refused, good one stored"
like "$(cat "$tmp/err")" 'bad\.jsonl:1: invalid JSON' "line 1 named as invalid JSON"
like "$(cat "$tmp/err")" 'bad\.jsonl:2: ' "line 2 named"

# 7. Native results of an enrolled worker.
token=$(ing enroll imp-w1 --caps icmp,udp)
like "$token" '^[0-9]+\.[0-9a-f]{64}$' "enroll prints a token"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s\n' "${line%\}}, \"idem_key\": \"imp-$i\"}"
done <"$vectors" >"$tmp/native.jsonl"
out=$(ing import --format native --worker imp-w1 "$tmp/native.jsonl" 2>"$tmp/err")
ok $? "native import"
is "$(field "$out" 'results stored')" 54 "54 native results stored"
is "$(q "SELECT count(DISTINCT worker_id) || ' ' || min(body->>'worker') FROM pingsvc.results WHERE source = 'pingsvc'")" \
    "1 imp-w1" "native rows carry the worker"
is "$(q "SELECT count(*) FROM pingsvc.result_keys k JOIN pingsvc.workers w ON k.namespace = 'worker:' || w.worker_id WHERE w.name = 'imp-w1'")" \
    54 "keys in namespace worker:<id>"
out=$(ing import --format native --worker imp-w1 "$tmp/native.jsonl" 2>/dev/null)
is "$(field "$out" duplicates)" 54 "native re-import: all duplicates"
ing import --format native "$tmp/native.jsonl" >/dev/null 2>&1
is "$?" 2 "native without --worker is a usage error"
ing import --format native --worker nobody "$tmp/native.jsonl" >/dev/null 2>"$tmp/err"
is "$?" 1 "native with an unknown worker fails"
like "$(cat "$tmp/err")" 'no worker "nobody"' "and says which"
out=$(ing import --format native --worker imp-w1 "$vectors" 2>"$tmp/err")
is "$(field "$out" refused)" 54 "atlas lines without idem_key are refused as native"

# 8. Revocation.
out=$(ing revoke imp-w1)
ok $? "revoke"
is "$(q "SELECT enabled::text || ' ' || (revoked_at IS NOT NULL)::text FROM pingsvc.workers WHERE name = 'imp-w1'")" \
    "false true" "revoked worker is disabled"
ing revoke imp-w1 >/dev/null 2>&1
is "$?" 1 "revoking twice fails"
ing enroll imp-w1 >/dev/null 2>&1
is "$?" 1 "a taken name cannot be enrolled again"
ing enroll imp-w2 --caps icmp,bogus >/dev/null 2>&1
is "$?" 2 "unknown capability refused"
is "$(q "SELECT octet_length(token_hash) FROM pingsvc.workers WHERE name = 'imp-w1'")" 32 \
    "only a 32-byte hash is stored"

done_testing
