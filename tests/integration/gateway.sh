# tests/integration/gateway.sh -- shared set-up of the gateway tests
# (ingest_*.t): a database of their own (pingsvc_t_${gw_test}_PID) with the
# migrations, a login role in pingsvc_ingest that the gateway runs as, a
# self-signed certificate, `start_server` (TLS on 127.0.0.1, a free port),
# `req` (one HTTPS request), `ping_result` (one wire-format result) and
# cleanup on exit.  Source it after tap.sh with gw_test, top and ingest set
# (gw_extra_conf: more settings for ingest.conf, e.g. derive = "deferred";).
# The first test point it makes is "server starts with TLS on 127.0.0.1".

db=pingsvc_t_${gw_test}_$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
server=
cleanup()
{
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill -TERM "$server" 2>/dev/null
		wait "$server" 2>/dev/null
	fi
	rm -rf "$tmp"
	dropdb --if-exists "$db" >/dev/null 2>&1
	[ -n "${gwrole:-}" ] && psql -X -q -d postgres -c "DROP ROLE IF EXISTS $gwrole" >/dev/null 2>&1
}
trap cleanup EXIT
createdb "$db" || exit 1
"$top/sql/migrate" "dbname=$db" >/dev/null || exit 1
export PGDATABASE=$db
q() { psql -X -At -c "$1"; }

# The programs run as a login role in pingsvc_ingest, as in production, so
# the grants of the schema are tested too; checks run as the superuser.
gwrole=pingsvc_t_${gw_test}gw_$$
q "CREATE ROLE $gwrole LOGIN IN ROLE pingsvc_ingest" >/dev/null || exit 1
ing() { PGUSER=$gwrole "$ingest" "$@"; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -days 1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 ||
	exit 1

# start_server -- on a free port (retrying when taken), waiting for it.
start_server()
{
	local try
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + (RANDOM * 7 + $$ + try * 131) % 40000))
		cat >"$tmp/ingest.conf" <<EOC
listen = "127.0.0.1";
port = $port;
tls_cert = "$tmp/cert.pem";
tls_key = "$tmp/key.pem";
threads = 8;
db = "dbname=$db user=$gwrole";
db_pool = 4;
db_retry_min_ms = 100;
db_retry_max_ms = 1000;
max_body_bytes = 1048576;
max_results = 500;
claim_max = 50;
lease_s = 300;
log_level = "warn";
${gw_extra_conf:-}
EOC
		"$ingest" serve --config "$tmp/ingest.conf" 2>>"$tmp/server.log" &
		server=$!
		for _ in $(seq 1 100); do
			kill -0 "$server" 2>/dev/null || break
			if curl -s -o /dev/null --cacert "$tmp/cert.pem" \
			    --resolve "localhost:$port:127.0.0.1" \
			    "https://localhost:$port/healthz"; then
				return 0
			fi
			sleep 0.1
		done
		kill -TERM "$server" 2>/dev/null
		wait "$server" 2>/dev/null
		server=
	done
	return 1
}

start_server
ok $? "server starts with TLS on 127.0.0.1"
url=https://localhost:$port

# req METHOD PATH TOKEN [BODY|@FILE] -- prints "STATUS BODY".
req()
{
	local out code
	local body=$tmp/body.$BASHPID
	local args=(-s -o "$body" -w '%{http_code}' --cacert "$tmp/cert.pem"
	    --resolve "localhost:$port:127.0.0.1" -X "$1")
	[ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	code=$(curl "${args[@]}" "$url$2")
	printf '%s %s\n' "$code" "$(cat "$body" 2>/dev/null)"
	rm -f "$body"
}

# ping_result IDEM JOB_ID TIMESTAMP [DST] -- one wire-format ping result.
ping_result()
{
	local job=
	[ "$2" != - ] && job="\"job_id\": $2, "
	printf '{"type": "ping", "af": 4, "proto": "ICMP", "dst_addr": "%s", %s"timestamp": %s, "idem_key": "%s", "sent": 3, "rcvd": 3, "min": 1.0, "avg": 1.5, "max": 2.0, "result": [{"rtt": 1.0}, {"rtt": 1.5}, {"rtt": 2.0}]}' \
	    "${4:-198.51.100.1}" "$job" "$3" "$1"
}

