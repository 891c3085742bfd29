#!/usr/bin/env bash
#
# frontier_geo.t -- the frontier's safety and geolocation commands:
# `bogons load` on Team Cymru's fullbogons lists (counts, reload, malformed
# files rejected with the line and nothing changed, the scheduler and hop
# feedback honouring fresh rows at once), `import dbip` (DB-IP lite CSV:
# ranges cut into prefixes, re-import stable, bad lines rejected, nothing
# imported), geofeed locations at the country's point, `worker-location`,
# the RTT-constraint estimate run by `run --once`, and `bogons load` and
# `import dbip` from URLs on 127.0.0.1 (conditional refresh: a 304 changes
# nothing).
#
# Prints TAP.  Runs under tests/pg/with-pg, in a database of its own, as a
# login role in pingsvc_frontier (so the grants are tested too).
#
#	tests/pg/with-pg prove -v tests/integration/frontier_geo.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
data=${PINGSVC_DATA:-$(cd "$top/../shared/data" && pwd -P)}
frontier=$bin/pingsvc-frontier

. "$top/tests/integration/tap.sh"
need_db
need_built "$frontier"

own_db pingsvc_t_fgeo_$$
role=pingsvc_t_fgeo_$$
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
own_role "$role" pingsvc_frontier
fr() { PGUSER=$role PINGSVC_FRONTIER_CONF= "$frontier" "$@"; }
counts() { printf '%s\n' "$1" | tr '\n' ' ' | sed 's/ $//'; }
field() { printf '%s\n' "$1" | sed -n "s/^$2 \(-*[0-9]*\)\$/\1/p"; }
bogons() { q "SELECT count(*) FROM pingsvc.special_ranges WHERE kind = 'bogon'"; }

v4=$data/bogons/cymru-fullbogons-ipv4-20220316.txt
gzip -dc "$data/bogons/cymru-fullbogons-ipv6-20220316.txt.gz" >"$tmp/fullbogons-ipv6.txt" || exit 1
v6=$tmp/fullbogons-ipv6.txt
special=$(q "SELECT count(*) FROM pingsvc.special_ranges")

# --- bogons load -----------------------------------------------------------
out=$(fr bogons load "$v4" 2>&1)
is "$(counts "$out")" "prefixes 1479 removed 0 added 1465 special 14" \
    "bogons load IPv4: 1479 prefixes, 14 of them already special-purpose rows"
is "$(q "SELECT DISTINCT source FROM pingsvc.special_ranges WHERE kind = 'bogon'")" \
    "cymru-fullbogons-ipv4-20220316" "source: the file's base name"
out=$(fr bogons load "$v4" "$v6" --source cymru-fullbogons 2>&1)
is "$(counts "$out")" "prefixes 131799 removed 1465 added 131782 special 17" \
    "bogons load IPv4 + IPv6 replaces the bogon part"
out=$(fr bogons load "$v4" "$v6" --source cymru-fullbogons 2>&1)
is "$(counts "$out")" "prefixes 131799 removed 131782 added 131782 special 17" \
    "reloading the same lists: the same counts"
is "$(q "SELECT count(*) FROM pingsvc.special_ranges WHERE kind <> 'bogon'")" "$special" \
    "the special-purpose rows stay, none added or lost"

# Malformed: a bad line in the middle of the real list changes nothing.
{ sed -n '1,699p' "$v4"; echo '23.0.0.1/8'; sed -n '700,$p' "$v4"; } >"$tmp/bad-bogons.txt"
out=$(fr bogons load "$tmp/bad-bogons.txt" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "bad bogon list: exit 1"
like "$out" "bad-bogons.txt: line 700: .*nothing changed" "bad bogon list: names line 700"
printf '# nothing here\n\n' >"$tmp/empty.txt"
out=$(fr bogons load "$v4" "$tmp/empty.txt" "$tmp/bad-bogons.txt" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "a bad file among several: exit 1"
out=$(fr bogons load "$tmp/empty.txt" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "a list without prefixes is refused"
like "$out" "no prefixes" "... saying so"
out=$(fr bogons load "$tmp/missing.txt" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "a missing file: exit 1"
is "$(bogons) $(q "SELECT DISTINCT source FROM pingsvc.special_ranges WHERE kind = 'bogon'")" \
    "131782 cymru-fullbogons" "failed loads changed nothing"
out=$(fr bogons 2>&1)
ok $(( $? == 2 ? 0 : 1 )) "bogons without load FILE: usage, exit 2"

# The scheduler honours the fresh rows: 23.135.225.0/24 is a bogon of the
# list, 23.135.226.0/24 is not.
is "$(q "SELECT pingsvc.is_probe_allowed('23.135.225.1'), pingsvc.is_probe_allowed('23.135.226.1')")" \
    "f|t" "is_probe_allowed: inside the bogon refused, outside allowed"
q "INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen)
   VALUES ('geo-w1', sha256('geo-w1'), '{icmp,udp,tcp}', now());
   INSERT INTO pingsvc.targets (address, source, state, next_due)
   VALUES ('23.135.225.1', 'bootstrap', 'responsive', now() - interval '1 hour'),
          ('23.135.226.1', 'bootstrap', 'responsive', now() - interval '1 hour')" >/dev/null
out=$(fr run --once 2>&1)
is "$(field "$out" targets) $(field "$out" skipped)" "1 1" "run --once: the bogon target skipped"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE target = '23.135.225.1'")" 0 "no job inside the bogon"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE target = '23.135.226.1'")" 2 \
    "its neighbour got a ping and a traceroute"

# Imports too: a bootstrap list with a prefix inside the bogon 36.50.0.0/16.
printf '36.50.16.0/24\n8.8.8.0/24\n' >"$tmp/two.txt"
out=$(fr import list "$tmp/two.txt" 2>&1)
is "$(counts "$out")" "prefixes 2 addresses 2 new 1 known 0 refused 1" \
    "import list: the address inside the bogon is refused"
out=$(fr import list "$tmp/two.txt" --allow 36.50.16.0/24 2>&1)
is "$(counts "$out")" "prefixes 2 addresses 2 new 1 known 1 refused 0" \
    "... unless --allow covers it"
q "DELETE FROM pingsvc.targets WHERE address = '36.50.16.1'" >/dev/null

# Hop feedback too: a traceroute through the bogon adds only the public hop.
q "WITH r AS (
     INSERT INTO pingsvc.results (ts, type, af, target, source, body)
     VALUES (date_trunc('second', now()), 'traceroute', 4, '23.135.226.9', 'atlas',
             '{\"type\": \"traceroute\", \"af\": 4, \"proto\": \"ICMP\", \"prb_id\": 7070,
               \"dst_addr\": \"23.135.226.9\",
               \"result\": [{\"hop\": 1, \"result\": [{\"from\": \"23.135.225.7\", \"rtt\": 1}]},
                          {\"hop\": 2, \"result\": [{\"from\": \"23.135.226.9\", \"rtt\": 2}]}]}')
     RETURNING result_id)
   SELECT new_targets FROM pingsvc.process_results(ARRAY(SELECT result_id FROM r))" >"$tmp/pr.out"
is "$(cat "$tmp/pr.out") $(q "SELECT count(*) FROM pingsvc.targets WHERE address = '23.135.225.7'")" "1 0" \
    "hop feedback: the hop inside the bogon is no target"

# --- import dbip -----------------------------------------------------------
cat >"$tmp/dbip-city-lite.csv" <<'CSV'
1.0.0.0,1.0.0.255,OC,AU,Queensland,"South Brisbane",-27.4767,153.017
1.0.1.0,1.0.3.255,AS,CN,Fujian,Fuzhou,26.0614,119.306
1.0.4.0,1.0.4.9,OC,AU,Victoria,"Melbourne, ""CBD""",-37.814,144.963
2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,AS,JP,Tokyo,Tokyo,35.6895,139.692
CSV
out=$(fr import dbip "$tmp/dbip-city-lite.csv" 2>&1)
is "$(counts "$out")" "ranges 4 prefixes 6 located 6 unlocated 0 removed 0" \
    "import dbip: 4 ranges, 6 prefixes"
is "$(q "SELECT string_agg(prefix::text, ' ' ORDER BY prefix) FROM pingsvc.geolocations WHERE method = 'database'")" \
    "1.0.0.0/24 1.0.1.0/24 1.0.2.0/23 1.0.4.0/29 1.0.4.8/31 2001:200::/32" \
    "ranges cut into the prefixes that tile them"
is "$(q "SELECT city || '|' || region || '|' || country || '|' || ST_AsText(location) || '|' || source
           FROM pingsvc.geolocations WHERE prefix = '1.0.4.8/31'")" \
    'Melbourne, "CBD"|Victoria|AU|POINT(144.963 -37.814)|dbip-city-lite' "quoted fields and coordinates"
is "$(q "SELECT ST_AsText(location) FROM pingsvc.geolocations
          WHERE prefix >>= '1.0.2.77' ORDER BY masklen(prefix) DESC LIMIT 1")" \
    "POINT(119.306 26.0614)" "lookup by address (prefix >>= address)"
out=$(fr import dbip "$tmp/dbip-city-lite.csv" 2>&1)
is "$(counts "$out")" "ranges 4 prefixes 6 located 6 unlocated 0 removed 0" "re-import: the same counts"
is "$(q "SELECT count(*) FROM pingsvc.geolocations WHERE method = 'database'")" 6 "re-import: still 6 rows"
head -2 "$tmp/dbip-city-lite.csv" >"$tmp/dbip2.csv"
out=$(fr import dbip "$tmp/dbip2.csv" --provider dbip-city-lite 2>&1)
is "$(counts "$out")" "ranges 2 prefixes 3 located 3 unlocated 0 removed 3" \
    "a shorter file replaces the source's rows"

while IFS='|' read -r line want what; do
	{ head -2 "$tmp/dbip-city-lite.csv"; printf '%s\n' "$line"; } >"$tmp/baddb.csv"
	out=$(fr import dbip "$tmp/baddb.csv" --provider dbip-city-lite 2>&1)
	ok $(( $? == 1 ? 0 : 1 )) "bad dbip ($what): exit 1"
	like "$out" "baddb.csv: line 3: $want.*nothing imported" "bad dbip ($what): line 3"
done <<'BAD'
1.0.8.0,1.0.7.255,AS,CN,x,y,1,2|ip_start 1.0.8.0 after ip_end|start after end
1.0.8.0,2001:db8::,AS,CN,x,y,1,2|ip_start and ip_end of different families|mixed families
1.0.8.0,1.0.8.255,AS,CN,x,y,91,2|latitude "91"|latitude out of range
1.0.8.0,1.0.8.255,AS,CHN,x,y,1,2|country "CHN"|country of three letters
1.0.8.0,1.0.8.255,AS,CN,x,"y,1,2|field 6: unterminated quote|open quote
1.0.8.0,1.0.8.255,AS,CN,x,y,1|7 fields|missing field
1.0.8.0,1.0.8.x,AS,CN,x,y,1,2|ip_end|bad address
BAD
is "$(q "SELECT count(*) FROM pingsvc.geolocations WHERE method = 'database'")" 3 \
    "bad files imported nothing"

# --- geofeed locations -----------------------------------------------------
q "SELECT pingsvc.load_basemap(pg_read_file('$data/basemap/ne_110m_admin_0_countries.geojson')::jsonb)" >/dev/null
out=$(fr import geofeed "$data/cloud-ip-ranges/digitalocean.csv" 2>&1)
is "$(field "$out" located) $(field "$out" unlocated)" "1102 80" \
    "geofeed: 1102 prefixes located, 80 in countries without an ISO code or outline at 1:110m"
is "$(q "SELECT g.country || ' ' || g.region || ' ' || g.city || ' ' || g.method || ' '
               || ST_Covers(b.geom, g.location::geometry)
          FROM pingsvc.geolocations g JOIN pingsvc.basemap_countries b ON b.iso_a2 = g.country
         WHERE g.prefix = '5.101.96.0/21'")" "NL NL-NH Amsterdam geofeed true" \
    "a geofeed row: its fields, a point inside its country"
is "$(q "SELECT count(*) FROM pingsvc.geolocations WHERE source = 'digitalocean' AND radius_km > 0")" 1102 \
    "each with an uncertainty radius"

# --- worker-location and the RTT-constraint estimate -----------------------
q "INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen)
   VALUES ('geo-a', sha256('geo-a'), '{icmp}', now()), ('geo-b', sha256('geo-b'), '{icmp}', now())" >/dev/null
out=$(fr worker-location geo-a 0 0 --label 'Gulf of Guinea' 2>&1)
is "$(counts "$out")" "worker geo-a latitude 0.000000 longitude 0.000000" "worker-location geo-a"
fr worker-location geo-b 0 8.983152841 >/dev/null 2>&1
is "$(q "SELECT name || ' ' || ST_AsText(location) || ' ' || coalesce(location_label, '-')
           FROM pingsvc.workers WHERE name LIKE 'geo-_' ORDER BY name" | tr '\n' ';')" \
    "geo-a POINT(0 0) Gulf of Guinea;geo-b POINT(8.983152841 0) -;" "worker locations stored"
out=$(fr worker-location nosuch 1 2 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "worker-location of an unknown worker: exit 1"
like "$out" 'no worker named "nosuch"' "... naming it"
out=$(fr worker-location geo-a 91 0 2>&1)
ok $(( $? == 2 ? 0 : 1 )) "latitude 91: usage error"

# A hop both vantages reached in 6 ms: discs of 600 km, 1000 km apart.
q "WITH tr AS (
     INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, reached_ttl)
     VALUES (990001, 'geo-a', '45.1.1.1', now() - interval '1 hour', 'icmp', '{45.1.1.1}', true, 1),
            (990002, 'geo-b', '45.1.1.1', now() - interval '1 hour', 'icmp', '{45.1.1.1}', true, 1)
     RETURNING trace_id, ts, target)
   INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms)
   SELECT trace_id, ts, 1, 0, target, 6 FROM tr" >/dev/null
# The estimate runs on the scoring period; the first cycle above used it.
q "UPDATE pingsvc.frontier_state SET last_run = '-infinity' WHERE task = 'estimate_locations'" >/dev/null
out=$(fr run --once 2>&1)
is "$(field "$out" located)" 1 "run --once: one hop located from RTT constraints"
is "$(q "SELECT method || ' ' || vantages || ' ' || round(area_km2 / 1000) || ' '
               || round(ST_X(location::geometry)::numeric, 1) || ' ' || round(ST_Y(location::geometry)::numeric, 1)
          FROM pingsvc.geolocations WHERE prefix = '45.1.1.1/32'")" "rtt_constraint 2 89 4.5 0.0" \
    "the lens between the vantages: centroid half way, about 90,000 km²"
out=$(fr run --once 2>&1)
is "$(field "$out" located)" -1 "the next cycle: not due again"

# --- bogons load and import dbip from URLs (127.0.0.1 only) ----------------
if command -v python3 >/dev/null 2>&1; then
	mkdir -p "$tmp/www"
	cp "$v4" "$tmp/www/v4.txt"
	cp "$v6" "$tmp/www/v6.txt"
	cp "$tmp/dbip-city-lite.csv" "$tmp/www/dbip.csv"
	python3 "$top/tests/integration/httpd_cond.py" "$tmp/www" >"$tmp/port" 2>"$tmp/httpd.log" &
	httpd=$!
	for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	url=http://127.0.0.1:$(cat "$tmp/port")
	state() {
		q "SELECT md5(string_agg(prefix::text || kind || source, ',' ORDER BY prefix))
		     FROM pingsvc.special_ranges;
		   SELECT md5(string_agg(prefix::text || source || ST_AsText(location), ',' ORDER BY prefix))
		     FROM pingsvc.geolocations;
		   SELECT md5(string_agg(source || last_import::text || coalesce(etag, ''), ',' ORDER BY source))
		     FROM pingsvc.import_sources" | tr '\n' ' '
	}
	out=$(fr bogons load "$url/v4.txt" "$url/v6.txt" --source cymru-fullbogons 2>&1)
	is "$(counts "$out")" "prefixes 131799 removed $(bogons) added 131782 special 17" \
	    "bogons load URL URL: loaded like the files"
	is "$(q "SELECT count(*) FROM pingsvc.import_sources WHERE format = 'bogons'
	           AND source LIKE '$url/%' AND etag IS NOT NULL AND last_modified IS NOT NULL")" 2 \
	    "bogons URLs: validators stored"
	before=$(state)
	out=$(fr bogons load "$url/v4.txt" "$url/v6.txt" --source cymru-fullbogons 2>&1)
	is "$(counts "$out")" "unchanged 1 prefixes 0 removed 0 added 0 special 0" \
	    "bogons refresh, both unchanged: 304, nothing loaded"
	like "$(tail -2 "$tmp/httpd.log" | tr '\n' ' ')" 'inm="[0-9a-f]+" ims=[A-Z].* 304 .*inm="[0-9a-f]+" ims=[A-Z].* 304' \
	    "bogons refresh sent If-None-Match and If-Modified-Since"
	is "$(state)" "$before" "a 304 changed nothing (bogons, sources, not even last_import)"
	grep -v '^192\.' "$v4" >"$tmp/www/v4.txt"
	out=$(fr bogons load "$url/v4.txt" "$url/v6.txt" --source cymru-fullbogons 2>&1)
	n4=$(grep -c '^[0-9]' "$tmp/www/v4.txt")
	is "$(field "$out" prefixes)" $((n4 + 131799 - 1479)) \
	    "one list changed: both used (the unchanged one fetched again)"
	like "$(tail -3 "$tmp/httpd.log" | tr '\n' ' ')" 'v4.txt inm="[0-9a-f]+" .* 200 .*v6.txt inm="[0-9a-f]+" .* 304 .*v6.txt inm=None ims=None 200' \
	    "... v4 200, v6 304 then fetched in full"
	before=$(state)
	out=$(fr bogons load "$url/v4.txt" "$url/gone.txt" 2>&1)
	ok $(( $? == 1 ? 0 : 1 )) "bogons load of a missing URL: exit 1"
	like "$out" "gone.txt: HTTP status 404.*nothing changed" "... saying so"
	is "$(state)" "$before" "... and changing nothing"

	out=$(fr import dbip "$url/dbip.csv" --provider dbip-city-lite 2>&1)
	is "$(counts "$out")" "ranges 4 prefixes 6 located 6 unlocated 0 removed 0" \
	    "import dbip URL: imported like the file (the 3 rows kept, 3 added)"
	is "$(q "SELECT count(*) FROM pingsvc.import_sources WHERE format = 'dbip'
	           AND source = '$url/dbip.csv' AND etag IS NOT NULL")" 1 \
	    "dbip URL: validators stored"
	before=$(state)
	out=$(fr import dbip "$url/dbip.csv" --provider dbip-city-lite 2>&1)
	is "$(counts "$out")" "unchanged 1 ranges 0 prefixes 0 located 0 unlocated 0 removed 0" \
	    "dbip refresh: 304, nothing imported"
	like "$(tail -1 "$tmp/httpd.log")" 'dbip.csv inm="[0-9a-f]+" ims=[A-Z].* 304$' \
	    "dbip refresh: a conditional request answered 304"
	is "$(state)" "$before" "a 304 changed nothing (locations, sources)"
	{ head -2 "$tmp/dbip-city-lite.csv"; echo '1.0.8.0,1.0.7.255,AS,CN,x,y,1,2'; } >"$tmp/www/dbip.csv"
	out=$(fr import dbip "$url/dbip.csv" --provider dbip-city-lite 2>&1)
	ok $(( $? == 1 ? 0 : 1 )) "dbip URL with a bad line: exit 1"
	like "$out" "dbip.csv: line 3: ip_start 1.0.8.0 after ip_end.*nothing imported" "... naming the line"
	is "$(state)" "$before" "... and changing nothing"
	kill "$httpd" 2>/dev/null
	wait "$httpd" 2>/dev/null
else
	for i in $(seq 18); do skip "no python3 for a local HTTP server"; done
fi

done_testing
