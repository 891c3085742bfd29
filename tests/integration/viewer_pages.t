#!/usr/bin/env bash
#
# viewer_pages.t -- pingsvc-viewer.cgi under a real lighttpd (mod_cgi, basic
# authentication for the control plane) on 127.0.0.1, against a database of
# its own with a small measured world (tests/viewer/data.sql) and the
# Natural Earth basemap: every page answers 200 with well-formed HTML;
# headless Chromium renders each one (screenshots under
# build/test-artifacts/viewer/) and its DOM holds what the page is about;
# injection and XSS strings in every parameter come back escaped or as a
# 400; the control plane refuses a POST without CSRF token, a non-admin,
# an anonymous user, and performs and logs the actions of an admin.
#
# Prints TAP.  Runs under tests/pg/with-pg:
#
#	tests/pg/with-pg prove -v tests/integration/viewer_pages.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
data=${PINGSVC_DATA:-$top/../shared/data}
cgi=$bin/pingsvc-viewer.cgi
basemap=$data/basemap/ne_110m_admin_0_countries.geojson

. "$top/tests/integration/tap.sh"
need_db
need_built "$cgi"
need_tools lighttpd curl perl
chromium=$(command -v chromium || command -v chromium-browser || true)

tmp=$(mktemp -d)
chmod 755 "$tmp"
httpd=
cleanup()
{
	if [ -n "$httpd" ]; then
		kill "$httpd" 2>/dev/null
		wait "$httpd" 2>/dev/null
	fi
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	[ -n "${VIEWER_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# --- a database of our own ---------------------------------------------------
db=viewer_t_$$
psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null || exit 1
"$top/sql/migrate" "dbname=$db" >"$tmp/migrate.log" 2>&1 || {
	echo "Bail out! sql/migrate failed: $(tail -3 "$tmp/migrate.log")"
	exit 1
}
export PGDATABASE=$db
psql -X -q -v ON_ERROR_STOP=1 -f "$top/tests/viewer/data.sql" >"$tmp/data.log" 2>&1 ||
	{ echo "Bail out! test data: $(cat "$tmp/data.log")"; exit 1; }
countries=$("$top/viewer/load-basemap" "dbname=$db" "$basemap")
[ "${countries:-0}" -gt 100 ]
ok $? "basemap loaded: ${countries:-0} countries"

# Login roles for the two connections (roles are cluster-wide: unique names).
rv=viewer_web_$$
ra=viewer_act_$$
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || exit 1
CREATE ROLE $rv LOGIN IN ROLE pingsvc_viewer;
CREATE ROLE $ra LOGIN IN ROLE pingsvc_viewer_admin;
SQL

# --- lighttpd ------------------------------------------------------------------
port=$(perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
	    Listen => 1, ReuseAddr => 1) or die; print $s->sockport')
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >"$tmp/viewer.conf" <<EOF2
db = "host=$PGHOST port=$PGPORT dbname=$db user=$rv";
admin_db = "host=$PGHOST port=$PGPORT dbname=$db user=$ra";
admins = [ "alice" ];
csrf_secret = "$secret";
statement_timeout_ms = 10000;
max_graph_nodes = 5;
allow = [ "198.18.0.0/15" ];
EOF2
printf 'alice:wonderland\nbob:builder\n' >"$tmp/users"
mkdir -p "$tmp/www"
cat >"$tmp/lighttpd.conf" <<EOF2
server.document-root = "$tmp/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$tmp/error.log"
server.breakagelog = "$tmp/cgi-stderr.log"
server.modules = ( "mod_alias", "mod_setenv", "mod_auth", "mod_authn_file",
                   "mod_cgi" )
alias.url = ( "/viewer" => "$cgi", "/auth/viewer" => "$cgi" )
cgi.assign = ( ".cgi" => "" )
setenv.add-environment = ( "PINGSVC_VIEWER_CONF" => "$tmp/viewer.conf",
                           "ASAN_OPTIONS" => "detect_leaks=1" )
auth.backend = "plain"
auth.backend.plain.userfile = "$tmp/users"
\$HTTP["url"] =~ "^/auth/" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "pingsvc",
                             "require" => "valid-user" ) )
}
EOF2
lighttpd -D -f "$tmp/lighttpd.conf" >"$tmp/lighttpd.out" 2>&1 &
httpd=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/viewer" && break
	sleep 0.1
done
base=http://127.0.0.1:$port/viewer
abase=http://127.0.0.1:$port/auth/viewer

# get URL OUT -- fetch, print the status code.
get()
{
	curl -s -o "$2" -w '%{http_code}' "$1"
}

# --- every page: 200 and well-formed -------------------------------------------
declare -A pages=(
	[overview]="?page=overview"
	[worker]="?page=worker&worker=lab-a"
	[target]="?page=target&target=192.0.2.50"
	[changes]="?page=changes&vantage=lab-a"
	[chart]="?page=changes&by=as"
	[chartcc]="?page=changes&by=country"
	[graph]="?page=graph&target=192.0.2.50&agg=ip"
	[graphagg]="?page=graph&target=192.0.2.50"
	[graph24]="?page=graph&target=192.0.2.50&agg=24"
	[geo]="?page=geo&target=192.0.2.50"
	[geoall]="?page=geo"
)
order=(overview worker target changes chart chartcc graph graphagg graph24 geo geoall)
for p in "${order[@]}"; do
	code=$(get "$base${pages[$p]}" "$tmp/$p.html")
	is "$code" 200 "$p page answers 200"
	out=$(perl "$top/tests/viewer/wellformed.pl" "$tmp/$p.html")
	ok $? "$p page is well-formed HTML"
	[ -z "$out" ] || echo "$out"
	if command -v xmllint >/dev/null; then
		# libxml2's HTML 4 parser does not know the SVG elements;
		# anything else it reports is an error.
		errs=$(xmllint --html --noout "$tmp/$p.html" 2>&1 |
		    grep 'error' | grep -v 'Tag [a-z]* invalid' || true)
		[ -z "$errs" ]
		ok $? "$p page parses with xmllint --html"
		[ -z "$errs" ] || printf '# %s\n' "$errs" | head -5
	fi
done
at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
code=$(get "$base?page=target&target=192.0.2.50&at=$at" "$tmp/at.html")
is "$code" 200 "pages take ?at=TIMESTAMP"
code=$(get "$base/changes?target=192.0.2.50" "$tmp/pi.html")
is "$code" 200 "PATH_INFO picks the page"
grep -q 'change kind-hop' "$tmp/pi.html"
ok $? "PATH_INFO page is the changes page"
code=$(get "$base?page=target&target=192.0.2.50&at=2000-01-01" "$tmp/old.html")
grep -q 'No trace to this address before this time' "$tmp/old.html"
ok $? "at= in the past shows the past (no trace yet)"
code=$(get "$base?page=worker&worker=nobody" "$tmp/404.html")
is "$code" 404 "unknown worker: 404"
code=$(get "$base?page=nosuch" "$tmp/404b.html")
is "$code" 404 "unknown page: 404"
grep -q 'data-hops="4"' "$tmp/target.html" && grep -q 'hop star' "$tmp/target.html"
ok $? "target page draws the 4-hop path with its '*'"
grep -q 'id="graph-capped"' "$tmp/graph.html" && ! grep -q 'id="graph-aggregated"' "$tmp/graph.html"
ok $? "graph page with agg=ip caps the nodes with a notice (6 > max_graph_nodes = 5)"
grep -q 'id="graph-aggregated" data-agg="as"' "$tmp/graphagg.html" && ! grep -q 'id="graph-capped"' "$tmp/graphagg.html"
ok $? "graph page aggregates to ASes by itself (6 addresses and 6 /24s > 5 nodes) and says so"
grep -q 'id="graph-aggregated" data-agg="24"' "$tmp/graph24.html" && grep -q 'id="graph-capped"' "$tmp/graph24.html"
ok $? "graph page with agg=24 aggregates to prefixes and caps (6 > 5)"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt; Paris' "$tmp/worker.html" &&
    ! grep -q '<script>' "$tmp/worker.html"
ok $? "a stored <script> (worker location label) comes back escaped"

# --- headless Chromium ---------------------------------------------------------
art=$top/build/test-artifacts/viewer
mkdir -p "$art"
# A screenshot left by an earlier run must not pass for this one.
rm -f "$art"/*.png
# dom URL -- the DOM after Chromium has loaded URL.
chrome()
{
	local prof
	prof=$(mktemp -d "$tmp/chrome.XXXXXX")
	timeout 60 "$chromium" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$prof" --window-size=1200,900 "$@" 2>/dev/null
}
declare -A expect=(
	[overview]='id="workers-summary">1 online, 1 offline'
	[worker]='id="worker-name">lab-a<'
	[target]='data-hops="4"'
	[changes]='class="change kind-hop"'
	[chart]='<svg class="change-chart"'
	[chartcc]='data-group="GB" data-total="2"'
	[graph]='<svg class="graph"'
	[graphagg]='data-agg="as" data-nodes="5"'
	[graph24]='data-agg="24" data-nodes="5"'
	[geo]='class="country"'
	[geoall]='id="geo-count"'
)
if [ -z "$chromium" ]; then
	for p in "${order[@]}"; do skip "chromium is not installed"; done
else
	for p in "${order[@]}"; do
		chrome --dump-dom "$base${pages[$p]}" >"$tmp/$p.dom"
		chrome --screenshot="$art/$p.png" "$base${pages[$p]}" >/dev/null
		grep -qF "${expect[$p]}" "$tmp/$p.dom" && [ -s "$art/$p.png" ]
		ok $? "chromium renders $p (DOM has ${expect[$p]}; $art/$p.png)"
	done
	# The things the pages are about, counted in the rendered DOM.
	c=$(grep -o '<ol class="path" data-hops="[0-9]*"' "$tmp/target.dom" | sort | tr '\n' ' ')
	is "$c" '<ol class="path" data-hops="3" <ol class="path" data-hops="4" ' \
	    "target DOM: a 4-hop path (lab-a) and a 3-hop path (lab-b)"
	c=$(grep -o '<li class="hop star"' "$tmp/target.dom" | wc -l)
	is "$c" 1 "target DOM: one '*' hop"
	c=$(grep -o '<g class="old" data-hops="[0-9]*"\|<g class="new" data-hops="[0-9]*"' "$tmp/changes.dom" | tr '\n' ' ')
	is "$c" '<g class="old" data-hops="4" <g class="new" data-hops="4" <g class="old" data-hops="3" <g class="new" data-hops="4" ' \
	    "changes DOM: lab-a's two changes, old and new path drawn aligned, newest first"
	# The chart: 3 changes in 7 days; by AS (changed hops) AS64499 twice
	# (1 and 3 days ago), AS64496 and AS64497 once: 4 bars in 3 series.
	c=$(grep -o '<g class="series" data-group="[^"]*" data-total="[0-9]*"' "$tmp/chart.dom" | sed 's/.*data-group=//' | tr '\n' ' ')
	is "$c" '"AS64499" data-total="2" "AS64496" data-total="1" "AS64497" data-total="1" ' \
	    "changes chart DOM: one series per AS of the changed hops, largest first"
	c=$(grep -o '<rect class="bar"' "$tmp/chart.dom" | wc -l)
	is "$c" 4 "changes chart DOM: 4 bars (one per AS and time bin)"
	c=$(grep -o '<g class="series" data-group="[^"]*" data-total="[0-9]*"' "$tmp/chartcc.dom" | sed 's/.*data-group=//' | tr '\n' ' ')
	is "$c" '"GB" data-total="2" "DE" data-total="1" "unknown" data-total="1" ' \
	    "changes chart DOM by country: GB twice, DE once, the unlocated hop unknown"
	c=$(grep -o '<svg class="change-chart"' "$tmp/changes.dom" | wc -l)
	is "$c" 1 "changes page with a vantage filter has its chart too"
	c=$(grep -o '<g class="node[^"]*" data-members="[0-9]*"' "$tmp/graphagg.dom" | sed 's/.*data-members=//' | sort | uniq -c | awk '{ print $1 "x" $2 }' | tr '\n' ' ')
	is "$c" '4x"1" 1x"2" ' \
	    "aggregated graph DOM: 2 vantages, 2 single-address ASes and AS64496 with 2 addresses"
	c=$(grep -o '<g class="node' "$tmp/graphagg.dom" | wc -l)
	is "$c" 5 "aggregated graph DOM: 5 nodes"
	grep -q '<title>AS64496 (2 addresses)' "$tmp/graphagg.dom"
	ok $? "aggregated graph DOM: the AS node names its members"
	c=$(grep -o 'class="country"' "$tmp/geo.dom" | wc -l)
	[ "$c" -gt 100 ]
	ok $? "geo DOM: the basemap has $c countries"
	c=$(grep -o '<circle class="hop"' "$tmp/geo.dom" | wc -l)
	is "$c" 4 "geo DOM: the 4 located hop addresses, each drawn once"
	c=$(grep -o '<polyline class="route"' "$tmp/geoall.dom" | wc -l)
	is "$c" 2 "geo DOM without a filter: the latest trace of both flows as lines"
fi

# --- injection and XSS in every parameter ---------------------------------------
# Every parameter the program knows (its own table, viewer/params.c) on every
# page, each page with the parameters it needs, the tested one replaced.
payloads=('<script>alert(1)</script>' "' OR 1=1 --" '"><svg onload=alert(1)>')
mapfile -t params < <(grep -o '^	{ "[a-z_]*"' "$top/viewer/params.c" | sed 's/.*"\(.*\)"/\1/')
[ "${#params[@]}" -ge 17 ] && printf '%s\n' "${params[@]}" | grep -qx agg &&
    printf '%s\n' "${params[@]}" | grep -qx by
ok $? "the parameter table lists ${#params[@]} parameters, agg and by among them"
declare -A injbase=(
	[overview]="page=overview"
	[worker]="page=worker&worker=lab-a"
	[target]="page=target&target=192.0.2.50"
	[changes]="page=changes&vantage=lab-a&by=as"
	[graph]="page=graph&target=192.0.2.50&agg=as"
	[geo]="page=geo&target=192.0.2.50&vantage=lab-a"
	[admin]="page=admin"
)
# urlenc STRING -- STRING percent-encoded for a query or a form.
urlenc()
{
	perl -e '$_ = $ARGV[0]; s/([^A-Za-z0-9._~-])/sprintf("%%%02X", ord $1)/ge; print' "$1"
}
# with BASE NAME VALUE -- BASE (a query) with NAME set to VALUE (encoded).
with()
{
	local out= kv
	IFS='&' read -r -a kvs <<<"$1"
	for kv in "${kvs[@]}"; do
		[ "${kv%%=*}" = "$2" ] || out=$out$kv\&
	done
	printf '%s%s=%s' "$out" "$2" "$3"
}
# injcheck WHAT CODE FILE PAYLOAD -- count a response that is not a clean
# 2xx/4xx or holds the payload's markup unescaped.
bad=0
total=0
injcheck()
{
	total=$((total + 1))
	case $2 in
	200 | 400 | 403 | 404 | 409 | 422) ;;
	*)
		echo "# $1: status $2"
		bad=$((bad + 1))
		return
		;;
	esac
	if grep -qiF -e '<script>alert' -e '<svg onload' "$3" ||
	    { [ "$4" != "' OR 1=1 --" ] && grep -qF -e "$4" "$3"; }; then
		echo "# $1: came back unescaped"
		bad=$((bad + 1))
	elif grep -qi -e '<script' -e '<svg onload' -e '"><svg' "$3"; then
		echo "# $1: markup in the answer"
		bad=$((bad + 1))
	fi
}
for prm in "${params[@]}"; do
	for pl in "${payloads[@]}"; do
		enc=$(urlenc "$pl")
		for pg in "${!injbase[@]}"; do
			qs=$(with "${injbase[$pg]}" "$prm" "$enc")
			if [ "$pg" = admin ]; then
				code=$(curl -s -o "$tmp/inj.html" -w '%{http_code}' \
				    -u alice:wonderland "$abase?$qs")
			else
				code=$(get "$base?$qs" "$tmp/inj.html")
			fi
			injcheck "$prm=$pl on $pg" "$code" "$tmp/inj.html" "$pl"
		done
	done
done
is "$bad" 0 "injection/XSS strings in every parameter of every page, $total GETs: escaped or 400"
code=$(get "$base?page=target&target=%3Cscript%3E" "$tmp/bad.html")
is "$code" 400 "a bad address is a 400"
grep -q 'target: not an IPv4 or IPv6 address' "$tmp/bad.html"
ok $? "the 400 page names the bad parameter"
code=$(get "$base?page=target&target=192.0.2.50&vantage=lab-a&vantage=lab-b" "$tmp/dup.html")
is "$code" 400 "a parameter given twice is a 400"
code=$(get "$base?page=target&target=192.0.2.50&bogus=1" "$tmp/unk.html")
is "$code" 400 "an unknown parameter is a 400"
code=$(get "$base?page=changes&from=2026-02-30" "$tmp/date.html")
is "$code" 400 "an impossible date is a 400"
code=$(get "$base?page=graph&target=192.0.2.50&agg=16" "$tmp/agg.html")
is "$code" 400 "agg other than ip, 24, as is a 400"
grep -q 'agg: ' "$tmp/agg.html"
ok $? "the 400 page names agg"
code=$(get "$base?page=changes&by=%3Cb%3Eas" "$tmp/by.html")
! grep -q '<b>as' "$tmp/by.html" && [ "$code" = 400 ]
ok $? "by=<b>as is a 400, not echoed"
code=$(get "$base?page=changes&from=2000-01-01&to=2000-01-02" "$tmp/empty.html")
grep -q '<svg class="change-chart"' "$tmp/empty.html" && grep -q 'no data' "$tmp/empty.html" && [ "$code" = 200 ]
ok $? "an empty period draws an empty chart saying no data"
# Without a filter the chart reads the hourly counters of migration 0020
# (route_change_counts) and says so; with one it reads the changes.  (The
# counters were written before data.sql loaded the AS prefixes and the
# geolocations: the groups checked above are mapped when the page is drawn.)
code=$(get "$base?page=changes&by=as" "$tmp/hourly.html")
grep -q 'id="chart-hourly"' "$tmp/hourly.html" && [ "$code" = 200 ]
ok $? "the unfiltered chart counts whole hours from the counters and says so"
code=$(get "$base?page=changes&by=as&vantage=lab-a" "$tmp/hourly2.html")
! grep -q 'id="chart-hourly"' "$tmp/hourly2.html" && [ "$code" = 200 ]
ok $? "a vantage's chart counts its changes one by one"
code=$(get "$base/%3Cscript%3E" "$tmp/pi2.html")
! grep -q '<script>' "$tmp/pi2.html" && [ "$code" = 404 ]
ok $? "a <script> PATH_INFO is a 404, escaped"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data 'action=pause' "$base?page=overview")
is "$code" 405 "POST to a read page: 405"

# --- without the route history ---------------------------------------------------
# The target, graph and map pages read flows and flow_paths; where
# process_results() kept no history (traces written directly) they read
# the traces and must draw the same.
grep -q 'on this path since' "$tmp/target.html"
ok $? "target page reads the route history (flows, flow_paths) when it is kept"
psql -X -q -c "TRUNCATE pingsvc.flow_paths, pingsvc.flows" >/dev/null
code=$(get "$base${pages[target]}" "$tmp/target0.html")
grep -q 'data-hops="4"' "$tmp/target0.html" && grep -q 'hop star' "$tmp/target0.html" &&
    grep -q 'data-hops="3"' "$tmp/target0.html" && ! grep -q 'on this path since' "$tmp/target0.html" &&
    [ "$code" = 200 ]
ok $? "without history: target page draws the latest traces (4 hops with a '*', 3 hops)"
code=$(get "$base${pages[graph]}" "$tmp/graph0.html")
grep -q 'id="graph-capped"' "$tmp/graph0.html" && grep -q 'data-nodes="5"' "$tmp/graph0.html" && [ "$code" = 200 ]
ok $? "without history: graph page caps 6 nodes at 5"
code=$(get "$base${pages[geo]}" "$tmp/geo0.html")
c=$(grep -o '<circle class="hop"' "$tmp/geo0.html" | wc -l)
is "$code|$c" "200|4" "without history: map page places the 4 located hop addresses"
code=$(get "$base${pages[geoall]}" "$tmp/geoall0.html")
c=$(grep -o '<polyline class="route"' "$tmp/geoall0.html" | wc -l)
is "$code|$c" "200|2" "without history: map without a filter draws both flows"

# --- control plane ---------------------------------------------------------------
q() { psql -X -q -At -c "$1"; }
code=$(get "$abase?page=admin" "$tmp/anon.html")
is "$code" 401 "the web server asks for credentials"
code=$(curl -s -o "$tmp/bob.html" -w '%{http_code}' -u bob:builder "$abase?page=admin")
is "$code" 403 "control page as a non-admin: 403"
code=$(curl -s -o "$tmp/alice.html" -w '%{http_code}' -u alice:wonderland "$abase?page=admin")
is "$code" 200 "control page as an admin: 200"
perl "$top/tests/viewer/wellformed.pl" "$tmp/alice.html"
ok $? "control page is well-formed"
if [ -n "$chromium" ]; then
	# Chromium cannot log in here: render the page alice got, from a file.
	cp "$tmp/alice.html" "$tmp/www/admin.html"
	chrome --screenshot="$art/admin.png" "file://$tmp/www/admin.html" >/dev/null
	[ -s "$art/admin.png" ]
	ok $? "chromium renders the control page ($art/admin.png)"
else
	skip "chromium is not installed"
fi
token=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$tmp/alice.html" | head -1 | sed 's/.*value="//; s/"//')
[ ${#token} -eq 64 ]
ok $? "control page carries a CSRF token"
post()
{
	local user=$1
	shift
	curl -s -o "$tmp/post.html" -w '%{http_code}' -u "$user" \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data "$*" "$abase?page=admin"
}
code=$(post alice:wonderland "action=pause")
is "$code" 403 "POST without CSRF token: 403"
code=$(post alice:wonderland "action=pause&csrf=$(printf 'a%.0s' $(seq 64))")
is "$code" 403 "POST with a forged CSRF token: 403"
code=$(post bob:builder "action=pause&csrf=$token")
is "$code" 403 "POST by a non-admin (with alice's token): 403"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
    --data "action=pause&csrf=$token" "$base?page=admin")
is "$code" 403 "POST without REMOTE_USER: 403"
is "$(q "SELECT enabled FROM pingsvc.control_flags WHERE name = 'scheduling_paused'")" f \
    "refused actions changed nothing"
code=$(post alice:wonderland "action=pause&csrf=$token")
is "$code" 200 "admin pauses scheduling"
is "$(q "SELECT pingsvc.scheduling_paused()")" t "scheduling_paused() is true"
code=$(post alice:wonderland "action=resume&csrf=$token")
is "$(q "SELECT pingsvc.scheduling_paused()")|$code" "f|200" "admin resumes scheduling"
code=$(post alice:wonderland "action=add_target&address=198.18.7.7&csrf=$token")
is "$(q "SELECT source FROM pingsvc.targets WHERE address = '198.18.7.7'")|$code" "manual|200" \
    "admin adds a target (198.18/15 allowed in viewer.conf)"
code=$(post alice:wonderland "action=add_target&address=10.1.2.3&csrf=$token")
is "$code" 422 "a private target is refused: 422"
code=$(post alice:wonderland "action=requeue_failed&csrf=$token")
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE state = 'failed'")|$code" "0|200" \
    "admin requeues failed jobs"
if [ "$(q "SELECT to_regclass('pingsvc.opt_outs') IS NOT NULL")" = t ]; then
	code=$(post alice:wonderland "action=add_optout&prefix=198.18.7.0/24&contact=noc%40example.net&reason=please+stop&csrf=$token")
	is "$(q "SELECT state FROM pingsvc.targets WHERE address = '198.18.7.7'")|$code" "opted_out|200" \
	    "admin adds an opt-out; targets inside become opted_out"
else
	code=$(post alice:wonderland "action=add_optout&prefix=198.18.7.0/24&csrf=$token")
	is "$code" 409 "add_optout without migration 0002: 409"
fi
code=$(post alice:wonderland "action=enroll&worker=lab-c&caps=icmp%2Ctcp&csrf=$token")
tok=$(grep -o '<pre id="token">[0-9]*\.[0-9a-f]*</pre>' "$tmp/post.html" | sed 's/<[^>]*>//g')
is "$code|$(q "SELECT array_to_string(caps, ',') || ' ' || (token_hash = sha256(convert_to(split_part('$tok', '.', 2), 'UTF8'))) || ' ' || (worker_id::text = split_part('$tok', '.', 1)) FROM pingsvc.workers WHERE name = 'lab-c'")" \
    "200|icmp,tcp true true" "admin enrols a worker; the token shown once matches the stored hash"
code=$(post alice:wonderland "action=enroll&worker=lab-c&caps=icmp&csrf=$token")
is "$code" 409 "enrolling a taken name: 409"
code=$(post alice:wonderland "action=revoke&worker=lab-c&csrf=$token")
is "$code|$(q "SELECT enabled::text || ' ' || (revoked_at IS NOT NULL) FROM pingsvc.workers WHERE name = 'lab-c'")" \
    "200|false true" "admin revokes a worker"
code=$(post alice:wonderland "action=revoke&worker=lab-c&csrf=$token")
is "$code" 404 "revoking it again: 404"
is "$(q "SELECT count(*) FILTER (WHERE outcome = 'ok') || '/' || count(*) FILTER (WHERE outcome = 'refused') FROM pingsvc.admin_log")" \
    "7/7" "admin_log holds every attempt (7 done, 7 refused)"
is "$(q "SELECT detail->>'worker' || ' ' || (detail ? 'token') FROM pingsvc.admin_log WHERE action = 'enroll' AND outcome = 'ok'")" \
    "lab-c false" "admin_log names the enrolled worker, never its token"
is "$(q "SELECT remote_user || ' ' || action FROM pingsvc.admin_log WHERE outcome = 'ok' ORDER BY log_id LIMIT 1")" \
    "alice pause" "admin_log names the user and the action"

# Injection and XSS in every parameter of a control action, as an admin with
# a valid token: refused (400/403/...) or done, and the control page, which
# lists the attempts with their parameters, shows them escaped.
bad=0
total=0
for prm in "${params[@]}"; do
	for pl in "${payloads[@]}"; do
		form=$(with "action=add_optout&prefix=198.18.9.0%2F24&contact=noc&reason=r&csrf=$token" \
		    "$prm" "$(urlenc "$pl")")
		code=$(post alice:wonderland "$form")
		injcheck "POST $prm=$pl" "$code" "$tmp/post.html" "$pl"
	done
done
code=$(curl -s -o "$tmp/alice2.html" -w '%{http_code}' -u alice:wonderland "$abase?page=admin")
injcheck "control page after the injected actions" "$code" "$tmp/alice2.html" '<script>alert(1)</script>'
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$tmp/alice2.html"
ok $? "the control page lists an injected reason, escaped"
is "$bad" 0 "injection/XSS strings in every parameter of a control action, $total POSTs: escaped or refused"

# Read-only: the page connection cannot write even if a page tried.
out=$(psql -X -q -At -U "$rv" -c "INSERT INTO pingsvc.admin_log (remote_user, action, outcome) VALUES ('x', 'x', 'ok')" 2>&1)
case $out in *"permission denied"*) r=0 ;; *) r=1 ;; esac
ok $r "the viewer role cannot write admin_log"

if cat "$tmp"/*.log "$tmp/lighttpd.out" 2>/dev/null |
    grep -q 'ERROR: AddressSanitizer\|runtime error\|LeakSanitizer'; then
	ok 1 "no sanitizer report from the CGI"
	cat "$tmp"/*.log "$tmp/lighttpd.out" |
	    grep -m5 'AddressSanitizer\|runtime error\|LeakSanitizer' | sed 's/^/# /'
else
	ok 0 "no sanitizer report from the CGI"
fi

done_testing
