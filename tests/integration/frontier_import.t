#!/usr/bin/env bash
#
# frontier_import.t -- `pingsvc-frontier import`: every format on its real
# file in ../shared/data/cloud-ip-ranges with the counts frontier/README.md
# documents, re-import (all known), malformed files rejected with the line
# or JSON path and nothing imported, the safety filter (special-purpose,
# --allow, opt-outs).
#
# Prints TAP.  Runs under tests/pg/with-pg, in a database of its own, as a
# login role in pingsvc_frontier (so the grants are tested too).
#
#	tests/pg/with-pg prove -v tests/integration/frontier_import.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
data=${PINGSVC_DATA:-$(cd "$top/../shared/data" && pwd -P)}
frontier=$bin/pingsvc-frontier

. "$top/tests/integration/tap.sh"
need_db
need_built "$frontier"

own_db pingsvc_t_fimport_$$
role=pingsvc_t_frontier_$$
q() { psql -X -At -c "$1"; }
own_role "$role" pingsvc_frontier
fr() { PGUSER=$role PINGSVC_FRONTIER_CONF= "$frontier" "$@"; }
targets() { q "SELECT count(*) FROM pingsvc.targets"; }
# counts OUTPUT -- "prefixes P addresses A new N known K refused R" on one line.
counts() { printf '%s\n' "$1" | tr '\n' ' ' | sed 's/ $//'; }

cloud=$data/cloud-ip-ranges
# Geofeed prefixes are located at their country's point: load the countries.
q "SELECT pingsvc.load_basemap(pg_read_file('$data/basemap/ne_110m_admin_0_countries.geojson')::jsonb)" >/dev/null || exit 1

# --- every real file, counts as documented in frontier/README.md --------
while read -r fmt file provider want; do
	out=$(fr import "$fmt" "$cloud/$file" 2>&1)
	is "$(counts "$out")" "$want" "import $fmt $file"
	is "$(q "SELECT count(*) FROM pingsvc.targets WHERE source = 'bootstrap' AND source_detail = '$provider'")" \
	    "$(printf '%s\n' "$want" | sed 's/.* new \([0-9]*\) .*/\1/')" \
	    "$file: targets with source_detail $provider"
done <<'LIST'
aws aws-ip-ranges.json aws prefixes 13344 addresses 6225 new 6225 known 0 refused 0
gcp google-cloud-ip-ranges.json gcp prefixes 782 addresses 1510 new 1510 known 0 refused 0
azure microsoft-azure-ip-ranges.json azure prefixes 90493 addresses 8762 new 8762 known 0 refused 0
oracle oracle-cloud-ip-ranges.json oracle prefixes 896 addresses 896 new 896 known 0 refused 0
list cloudflare-v4-ip-ranges.txt cloudflare-v4 prefixes 15 addresses 36 new 36 known 0 refused 0
list cloudflare-v6-ip-ranges.txt cloudflare-v6 prefixes 7 addresses 7 new 7 known 0 refused 0
list akamai-v4-ip-ranges.txt akamai-v4 prefixes 19 addresses 76 new 76 known 0 refused 0
list akamai-v6-ip-ranges.txt akamai-v6 prefixes 3 addresses 3 new 3 known 0 refused 0
geofeed digitalocean.csv digitalocean prefixes 1182 addresses 745 new 745 known 0 refused 0 located 1102 unlocated 80
geofeed linode.txt linode prefixes 4552 addresses 396 new 396 known 0 refused 0 located 4074 unlocated 478
LIST
is "$(targets)" 18656 "default bootstrap: 18656 targets in all"
is "$(q "SELECT count(*) FROM pingsvc.targets WHERE family(address) = 6")" 3059 \
    "of which 3059 IPv6"
is "$(q "SELECT count(*) FROM pingsvc.targets WHERE state <> 'new' OR source <> 'bootstrap'")" 0 \
    "all new bootstrap targets"
is "$(q "SELECT location_label FROM pingsvc.targets WHERE address = '5.101.96.1'")" \
    "Amsterdam, NL-NH, NL" "geofeed location label"
is "$(q "SELECT host(address) FROM pingsvc.targets WHERE source_detail = 'cloudflare-v4' ORDER BY address LIMIT 2" | tr '\n' ' ')" \
    "103.21.244.1 103.22.200.1 " "representative: first usable address"
is "$(q "SELECT count(*) FROM pingsvc.import_sources")" 10 "import_sources: one row per file"

# --- re-import: all known ------------------------------------------------
before=$(q "SELECT max(last_seen) FROM pingsvc.targets WHERE source_detail = 'aws'")
out=$(fr import aws "$cloud/aws-ip-ranges.json" 2>&1)
is "$(counts "$out")" "prefixes 13344 addresses 6225 new 0 known 6225 refused 0" \
    "re-import aws: all known"
is "$(q "SELECT count(*) FROM pingsvc.targets WHERE source_detail = 'aws' AND last_seen <= '$before'")" 0 \
    "re-import refreshed last_seen"
out=$(fr import geofeed "$cloud/linode.txt" 2>&1)
is "$(counts "$out")" "prefixes 4552 addresses 396 new 0 known 396 refused 0 located 4074 unlocated 478" \
    "re-import linode: all known, the same locations"
is "$(targets)" 18656 "re-import added nothing"

# --- malformed files: rejected, located, nothing imported ----------------
head -c 5000 "$cloud/aws-ip-ranges.json" >"$tmp/trunc.json"
out=$(fr import aws "$tmp/trunc.json" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "truncated JSON: exit 1"
like "$out" "trunc.json: line 200, column 14: invalid JSON: parse error: premature EOF.*nothing imported" \
    "truncated JSON: says so, at the end of the text"
printf '{"prefixes": [\n  {"ip_prefix": "3.5.140.0/22"},\n  x\n]}' >"$tmp/token.json"
out=$(fr import aws "$tmp/token.json" 2>&1)
like "$out" "token.json: line 3, column 3: invalid JSON" "broken JSON: line and column of the bad byte"

cat >"$tmp/badpath.json" <<'JSON'
{"prefixes": [{"ip_prefix": "198.51.99.0/24"}, {"ip_prefix": "3.5.140.0/22"},
 {"ip_prefix": "3.5.140.1/22"}], "ipv6_prefixes": []}
JSON
out=$(fr import aws "$tmp/badpath.json" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "bad prefix in JSON: exit 1"
like "$out" "badpath.json: prefixes\[2\]\.ip_prefix: " "bad prefix in JSON: JSON path"

printf '{"values": [{"properties": {"addressPrefixes": ["20.1.0.0/16"]}}, {"properties": {"addressPrefixes": ["20.2.0.0/16", 7]}}]}' \
    >"$tmp/azure.json"
out=$(fr import azure "$tmp/azure.json" 2>&1)
like "$out" "values\[1\]\.properties\.addressPrefixes\[1\]: not a string" \
    "azure: JSON path of a non-string"
printf '{"regions": [{"region": "x", "cidrs": [{"cidr": "129.80.0.0/16"}, {}]}]}' >"$tmp/oracle.json"
out=$(fr import oracle "$tmp/oracle.json" 2>&1)
like "$out" "regions\[0\]\.cidrs\[1\]\.cidr: missing" "oracle: JSON path of a missing cidr"
printf '{"prefixes": [{"ipv4Prefix": "34.1.208.0/20"}, {"scope": "x"}]}' >"$tmp/gcp.json"
out=$(fr import gcp "$tmp/gcp.json" 2>&1)
like "$out" "prefixes\[1\]: neither ipv4Prefix nor ipv6Prefix" "gcp: JSON path"

printf '# a list\n8.8.8.0/24\n\n1.1.1.1\t\n9.9.9.0/33\n4.4.4.4\n' >"$tmp/bad.txt"
out=$(fr import list "$tmp/bad.txt" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "bad CIDR in a list: exit 1"
like "$out" "bad.txt: line 5: " "bad CIDR in a list: line 5"

printf '# geofeed\n5.101.96.0/21,NL,NL-NH,Amsterdam,1098 XH\n5.101.104.0/22x,NL,NL-NH,Amsterdam,\n' >"$tmp/bad.csv"
out=$(fr import geofeed "$tmp/bad.csv" 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "bad prefix in a geofeed: exit 1"
like "$out" "bad.csv: line 3: prefix" "bad prefix in a geofeed: line 3"
printf '5.101.96.0/21,NLD,NL-NH,Amsterdam,\n' >"$tmp/badcc.csv"
out=$(fr import geofeed "$tmp/badcc.csv" 2>&1)
like "$out" "line 1: country \"NLD\"" "bad country in a geofeed: line 1"

is "$(targets)" 18656 "failed imports added nothing"
is "$(q "SELECT count(*) FROM pingsvc.import_sources")" 10 "failed imports recorded nothing"

out=$(fr import nosuch "$tmp/bad.txt" 2>&1)
ok $(( $? == 2 ? 0 : 1 )) "unknown format: usage, exit 2"
out=$(fr import list "$tmp/missing.txt" 2>&1)
like "$out" "missing.txt: No such file" "missing file named"

# --- the safety filter ---------------------------------------------------
printf '10.0.0.1\n8.8.8.8\n192.0.2.1\n198.18.0.0/24\n224.0.0.1\n' >"$tmp/special.txt"
out=$(fr import list "$tmp/special.txt" --provider special 2>&1)
is "$(counts "$out")" "prefixes 5 addresses 5 new 1 known 0 refused 4" \
    "special-purpose addresses refused and counted"
out=$(fr import list "$tmp/special.txt" --provider special --allow 198.18.0.0/15 --allow 10.0.0.0/8 2>&1)
is "$(counts "$out")" "prefixes 5 addresses 5 new 2 known 1 refused 2" \
    "--allow permits a range (multicast and documentation stay refused)"
out=$(fr optout add 77.77.77.0/24 --reason "test operator" 2>&1)
like "$out" "opted_out 77.77.77.0/24" "optout add"
printf '77.77.77.7\n77.77.99.7\n' >"$tmp/opted.txt"
out=$(fr import list "$tmp/opted.txt" 2>&1)
is "$(counts "$out")" "prefixes 2 addresses 2 new 1 known 0 refused 1" \
    "opted-out addresses refused"

# The scheduler's SQL twin of the rule (frontier_special_purpose) agrees
# with lib/addr.c's on addresses around the registries' edges (one per /20
# or /48, so that the representative rule keeps each).
cat >"$tmp/edges.txt" <<'EDGES'
0.255.255.255
9.255.255.255
10.0.0.1
11.0.0.1
100.63.255.255
100.64.0.1
100.128.0.1
172.15.255.255
172.16.0.1
172.32.0.1
192.0.0.9
192.88.99.1
192.168.0.1
198.17.255.255
198.18.0.1
198.20.0.1
198.51.100.1
203.0.113.1
223.255.255.255
240.0.0.1
1fff:ffff:ffff:ffff::1
2001:0:1::1
2001:1::1
2001:2::1
2001:3::1
2001:4:112::1
2001:10::1
2001:20::1
2001:200::1
2001:db8::1
2002::1
2600::1
3ffe::1
3fff::1
5f00::1
fc00::1
fe80::1
EDGES
out=$(fr import list "$tmp/edges.txt" --provider edges 2>&1)
refused=$(printf '%s\n' "$out" | sed -n 's/^refused //p')
sqlcount=$(sed 's/.*/SELECT pingsvc.frontier_special_purpose(inet '"'"'&'"'"');/' "$tmp/edges.txt" |
    psql -X -At | grep -c '^t$')
is "$refused" "$sqlcount" "lib/addr.c and frontier_special_purpose() agree ($sqlcount special)"
is "$(q "SELECT count(*) FROM pingsvc.targets WHERE source_detail = 'edges' AND pingsvc.frontier_special_purpose(address)")" 0 \
    "no imported address is special to the SQL rule"

# Malformed trailing whitespace, CRLF and no final newline are tolerated.
printf '31.13.24.0/21 \r\n  2a03:2880::/32\t# facebook' >"$tmp/crlf.txt"
out=$(fr import list "$tmp/crlf.txt" 2>&1)
is "$(counts "$out")" "prefixes 2 addresses 2 new 2 known 0 refused 0" \
    "CRLF, trailing blanks, comment, no final newline"

# --- URLs: a local HTTP server, conditional refresh ------------------------
if command -v python3 >/dev/null 2>&1; then
	cat >"$tmp/httpd.py" <<'PY'
# A tiny HTTP server for tests: serves files of a directory with an ETag
# (sha256 of the body) and Last-Modified, answers 304 to a matching
# If-None-Match, logs each request's conditional headers to stderr.
import hashlib, http.server, os, sys, email.utils
root = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(root, os.path.basename(self.path))
        inm = self.headers.get('If-None-Match')
        ims = self.headers.get('If-Modified-Since')
        sys.stderr.write('GET %s inm=%s ims=%s\n' % (self.path, inm, ims)); sys.stderr.flush()
        if not os.path.isfile(path):
            self.send_response(404); self.send_header('Content-Length', '0'); self.end_headers(); return
        body = open(path, 'rb').read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        if inm == etag:
            self.send_response(304); self.send_header('ETag', etag); self.end_headers(); return
        self.send_response(200)
        self.send_header('ETag', etag)
        self.send_header('Last-Modified', email.utils.formatdate(os.path.getmtime(path), usegmt=True))
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
	mkdir -p "$tmp/www"
	cp "$cloud/google-cloud-ip-ranges.json" "$tmp/www/cloud.json"
	printf '%s\n' '{"prefixes": [{"ipv4Prefix": "34.1.208.0/20"}' >"$tmp/www/broken.json"
	python3 "$tmp/httpd.py" "$tmp/www" >"$tmp/port" 2>"$tmp/httpd.log" &
	httpd=$!
	for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	url=http://127.0.0.1:$(cat "$tmp/port")
	q "DELETE FROM pingsvc.targets WHERE source_detail = 'gcp'" >/dev/null
	out=$(fr import gcp "$url/cloud.json" 2>&1)
	is "$(counts "$out")" "prefixes 782 addresses 1510 new 1510 known 0 refused 0" \
	    "URL: imported like the file"
	is "$(q "SELECT (etag IS NOT NULL AND last_modified IS NOT NULL)::text FROM pingsvc.import_sources WHERE source = '$url/cloud.json'")" \
	    true "URL: validators stored"
	out=$(fr import gcp "$url/cloud.json" 2>&1)
	like "$out" "^unchanged 1" "URL unchanged: 304, nothing imported"
	like "$(tail -1 "$tmp/httpd.log")" 'inm="[0-9a-f]+" ims=[A-Z]' \
	    "URL refresh sent If-None-Match and If-Modified-Since"
	printf '{"prefixes": [{"ipv4Prefix": "34.1.208.0/20"}, {"ipv6Prefix": "2600:1900:4000::/44"}]}' \
	    >"$tmp/www/cloud.json"
	out=$(fr import gcp "$url/cloud.json" 2>&1)
	is "$(counts "$out")" "prefixes 2 addresses 2 new 0 known 2 refused 0" \
	    "URL changed: fetched and imported again"
	before=$(targets)
	out=$(fr import gcp "$url/broken.json" 2>&1)
	ok $(( $? == 1 ? 0 : 1 )) "URL with a broken body: exit 1"
	like "$out" "broken.json: line 2, column 1: invalid JSON" "URL with a broken body: says where"
	out=$(fr import gcp "$url/missing.json" 2>&1)
	like "$out" "missing.json: HTTP status 404" "URL 404: says so"
	is "$(targets)" "$before" "failed URL imports added nothing"
	kill "$httpd" 2>/dev/null
	wait "$httpd" 2>/dev/null
else
	for i in 1 2 3 4 5 6 7 8 9; do ok 0 "# SKIP no python3 for a local HTTP server"; done
fi

done_testing
