# tests/integration/labgw.sh -- shared set-up of the tests that run the
# real gateway (`pingsvc-ingest serve`) inside the network lab and workers
# against it (worker_daemon.t, worker_firewall.t, tests/fault/faults), as
# gateway.sh is for the gateway tests on loopback.
#
# Source it with TOP, LAB (tests/lab/lab), GW (pingsvc-ingest) and
# labgw_name (a short word: the database is pingsvc_t_${labgw_name}_PID, the
# gateway's login role pingsvc_t_${labgw_name}gw_PID) set, after
# PSL_LAB_PREFIX.  It makes no test point itself; the functions return a
# status for the caller's own.  It gives:
#
#   $tmp, $db, $gwrole, $gw (the gateway's pid once started)
#   lab ARGS          tests/lab/lab
#   q SQL             one query as the superuser, unaligned
#   wait_for S CMD    poll CMD every 0.2 s for up to S seconds
#   labgw_db          database with the migrations, gateway role; exports
#                     PGDATABASE
#   labgw_cert ADDR   a self-signed certificate for IP ADDR: $tmp/cert.pem
#                     (readable by the worker's user), $tmp/key.pem
#   labgw_conf ADDR PORT LINE...  $tmp/ingest.conf: listen, port, TLS,
#                     database as $gwrole, log_level warn, then each LINE
#   labgw_healthy NODE ADDR PORT  /healthz answers over HTTPS from NODE
#   labgw_start NODE ADDR PORT    the gateway in NODE's namespace, stderr to
#                     $tmp/gw.log, waiting up to 15 s for /healthz
#   labgw_enroll NAME FILE [CAPS] a worker token (caps icmp,udp,tcp by
#                     default) into FILE (mode 600); prints nothing
#
# At exit it calls labgw_cleanup_hook if the test defined one (its own
# processes, firewall rules), kills the gateway, takes the lab down, drops
# the database and the role and removes $tmp.

db=pingsvc_t_${labgw_name}_$$
gwrole=pingsvc_t_${labgw_name}gw_$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
gw=
labgw_cleanup() {
	declare -F labgw_cleanup_hook >/dev/null && labgw_cleanup_hook
	[[ -n $gw ]] && kill -9 "$gw" 2>/dev/null && wait "$gw" 2>/dev/null
	"$LAB" down >/dev/null 2>&1 || true
	dropdb --if-exists "$db" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $gwrole" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap labgw_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab() { "$LAB" "$@"; }
q() { psql -X -At -c "$1"; }
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

labgw_db() {
	createdb "$db" && "$TOP/sql/migrate" "dbname=$db" >/dev/null &&
		q "CREATE ROLE $gwrole LOGIN IN ROLE pingsvc_ingest" >/dev/null ||
		return 1
	export PGDATABASE=$db
}

labgw_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -subj /CN=gw -addext "subjectAltName=IP:$1" \
		-days 1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
		>/dev/null 2>&1 &&
		chmod 644 "$tmp/cert.pem"
}

labgw_conf() {
	local addr=$1 port=$2 line
	shift 2
	{
		cat <<EOF
listen = "$addr";
port = $port;
tls_cert = "$tmp/cert.pem";
tls_key = "$tmp/key.pem";
db = "dbname=$db user=$gwrole";
log_level = "warn";
EOF
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$tmp/ingest.conf"
}

labgw_healthy() {
	"$LAB" exec "$1" curl -s -o /dev/null --max-time 2 \
		--cacert "$tmp/cert.pem" "https://$2:$3/healthz"
}

labgw_start() {
	# "$LAB" execs nsenter, which execs the program: $! is its pid.
	"$LAB" exec "$1" "$GW" serve --config "$tmp/ingest.conf" \
		2>>"$tmp/gw.log" &
	gw=$!
	wait_for 15 labgw_healthy "$@"
}

labgw_enroll() {
	local tok
	tok=$(PGUSER=$gwrole "$GW" enroll "$1" --caps "${3:-icmp,udp,tcp}") ||
		return 1
	printf '%s\n' "$tok" >"$2" && chmod 600 "$2"
}
