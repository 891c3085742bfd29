#!/usr/bin/env bash
#
# ingest_dyndns.t -- the gateway keeps its dynamic DNS name current
# (ingest/dyndns.c) against a local dyndns2 provider: a python3 HTTPS stub
# on 127.0.0.1 with a self-signed certificate that records every request
# (tests/integration/dyndns_stub.py) and also plays the "what is my IP"
# service.  Checked: the dyndns settings are validated; the first start
# updates once, with the right hostname, myip and basic-auth header; a
# restart with the same address does not update; a changed address
# updates; the refresh interval forces an update of an unchanged address;
# badauth stops the updates at once and for good (also across a
# restart); 911 backs off; every request went to 127.0.0.1.  As root, the
# gateway and the stub run in a network namespace of their own holding
# nothing but lo, so nothing can leave for a non-loopback address at all.
#
# The gateway needs no database here (its pool connects on demand).
# Prints TAP; about 30 s.
#
#	tests/pg/with-pg prove -v tests/integration/ingest_dyndns.t
#

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
ingest=$bin/pingsvc-ingest

. "$top/tests/integration/tap.sh"
need_built "$ingest"
need_tools python3 openssl

tmp=$(mktemp -d)
stub=
gw=
netns=
cleanup()
{
	[ -n "$gw" ] && kill -TERM "$gw" 2>/dev/null && wait "$gw" 2>/dev/null
	[ -n "$stub" ] && kill -TERM "$stub" 2>/dev/null && wait "$stub" 2>/dev/null
	[ -n "$netns" ] && ip netns del "$netns" 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# "${inns[@]}" CMD...: run CMD in the test's namespace (or here, when not
# root).  nsenter execs CMD, so $! of a background job is CMD's pid.
inns=()
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && command -v nsenter >/dev/null; then
	netns=psldyn$$
	ip netns add "$netns" && nsenter "--net=/run/netns/$netns" -- ip link set lo up || exit 1
	inns=(nsenter "--net=/run/netns/$netns" --)
fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
    -days 1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || exit 1
mkdir "$tmp/stub"
echo 192.0.2.10 >"$tmp/stub/ip"
"${inns[@]}" python3 "$top/tests/integration/dyndns_stub.py" "$tmp/stub" "$tmp/cert.pem" "$tmp/key.pem" \
	2>"$tmp/stub.log" &
stub=$!
for _ in $(seq 1 100); do
	[ -s "$tmp/stub/port" ] && break
	sleep 0.1
done
sport=$(cat "$tmp/stub/port" 2>/dev/null)
[ -n "$sport" ]
ok $? "the stub provider listens on 127.0.0.1:$sport"
printf 'hunter2\n' >"$tmp/password"
chmod 600 "$tmp/password"
gport=$((20000 + (RANDOM + $$) % 40000))

# conf [EXTRA SETTINGS...]: a gateway config with a dyndns group; each
# argument is one more line inside the group.
conf()
{
	local extra
	{
		cat <<-EOF
			listen = "127.0.0.1";
			port = $gport;
			tls_cert = "$tmp/cert.pem";
			tls_key = "$tmp/key.pem";
			db = "host=$tmp dbname=none";
			log_level = "info";
			dyndns = {
		EOF
		for extra; do printf '\t%s\n' "$extra"; done
		echo "};"
	} >"$tmp/ingest.conf"
}
base=("server = \"https://127.0.0.1:$sport/nic/update\";"
      'hostname = "gw.example.dy.fi";'
      'user = "pingsvc-test";'
      "password_file = \"$tmp/password\";"
      "ca_file = \"$tmp/cert.pem\";"
      "state_file = \"$tmp/dyndns.state\";"
      'check_s = 1;')
with_url=("${base[@]}" "address_url = \"https://127.0.0.1:$sport/ip\";")

start_gw()
{
	"${inns[@]}" "$ingest" serve --config "$tmp/ingest.conf" 2>>"$tmp/gw.log" &
	gw=$!
}
stop_gw()
{
	kill -TERM "$gw" 2>/dev/null
	wait "$gw"
	local rc=$?
	gw=
	return $rc
}
updates() { cat "$tmp/stub/requests.log" 2>/dev/null | grep -c "/nic/update"; }
ipchecks() { cat "$tmp/stub/requests.log" 2>/dev/null | grep -c "	/ip	"; }
# wait_updates N: until the stub saw N updates (at most 10 s).
wait_updates()
{
	local i
	for i in $(seq 1 100); do
		[ "$(updates)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# bad_conf TEXT-PATTERN EXTRA...: serve refuses the config, saying TEXT.
bad_conf()
{
	local want=$1 out
	shift
	conf "$@"
	out=$(timeout 10 "$ingest" serve --config "$tmp/ingest.conf" 2>&1)
	[ $? = 1 ] && printf '%s\n' "$out" | grep -q -- "$want"
	ok $? "refused: $want"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /' | head -3
}

# --- settings -----------------------------------------------------------------
bad_conf 'dyndns.passwd' "${with_url[@]}" 'passwd = "x";'
bad_conf 'is not an https:// URL' "${with_url[@]:1}" 'server = "http://127.0.0.1/nic/update";'
bad_conf 'exactly one address source' "${with_url[@]}" 'address = "192.0.2.1";'
bad_conf 'exactly one address source' "${base[@]}"
bad_conf 'exactly one of password and password_file' "${with_url[@]}" 'password = "x";'
bad_conf 'needs server, hostname and user' 'address = "192.0.2.1";'
bad_conf 'password_file' "${with_url[@]/password_file = */password_file = \"$tmp/nonexistent\";}"
bad_conf 'refresh_days' "${with_url[@]}" 'refresh_days = 0;'
is "$(updates)" 0 "no request for a refused config"

# --- the first start updates once ---------------------------------------------------
conf "${with_url[@]}"
start_gw
wait_updates 1
ok $? "first start: one update"
line=$(grep '/nic/update' "$tmp/stub/requests.log" | head -1)
is "$(cut -f2 <<<"$line")" "/nic/update?hostname=gw.example.dy.fi&myip=192.0.2.10" \
	"the query names the hostname and the address the IP service reported"
is "$(cut -f3 <<<"$line")" "Basic $(printf 'pingsvc-test:hunter2' | base64)" \
	"basic auth with the user and password_file (newline stripped)"
sleep 3
is "$(updates)" 1 "no second update while the address stays (3 s, check_s = 1)"
[ "$(ipchecks)" -ge 3 ]
ok $? "the public address was checked every second ($(ipchecks) times)"
stop_gw
ok $? "SIGTERM: the gateway stops, exit 0"
grep -q '^address 192.0.2.10$' "$tmp/dyndns.state"
ok $? "state file records the address ($(tr '\n' ' ' <"$tmp/dyndns.state" | cut -c1-120))"
is "$(stat -c %a "$tmp/dyndns.state")" 600 "state file mode 600"

# --- restart, same address ------------------------------------------------------------
checks=$(ipchecks)
start_gw
sleep 3
is "$(updates)" 1 "restart with the same address: no update"
[ "$(ipchecks)" -gt "$checks" ]
ok $? "... though the address was checked again"

# --- the address changes ------------------------------------------------------------------
echo 192.0.2.20 >"$tmp/stub/ip"
wait_updates 2
ok $? "changed address: one update"
is "$(grep '/nic/update' "$tmp/stub/requests.log" | sed -n 2p | cut -f2)" \
	"/nic/update?hostname=gw.example.dy.fi&myip=192.0.2.20" "with the new address"
sleep 2
is "$(updates)" 2 "and only one"
stop_gw

# --- the refresh interval ----------------------------------------------------------------
# Pretend the last update is 6 days old: refresh_days = 5 (dy.fi drops
# names after 7) makes an update due although the address is the same.
sed -i "s/^updated .*/updated $(($(date +%s) - 6 * 86400))/" "$tmp/dyndns.state"
start_gw
wait_updates 3
ok $? "last update 6 days ago, refresh_days 5: an update of the same address"
sleep 2
is "$(updates)" 3 "then quiet again"
stop_gw

# --- badauth ---------------------------------------------------------------------------------
echo badauth >"$tmp/stub/answer"
echo 192.0.2.30 >"$tmp/stub/ip"
start_gw
wait_updates 4
ok $? "new address, provider answers badauth"
sleep 4
is "$(updates)" 4 "badauth: no retry (4 s with the address still different)"
grep -q 'answered "badauth"' "$tmp/gw.log"
ok $? "the log says badauth"
stop_gw
start_gw
sleep 3
is "$(updates)" 4 "restart with the same settings: still no request (blocked in the state file)"
stop_gw
printf 'correct horse\n' >"$tmp/password"
rm -f "$tmp/stub/answer"
start_gw
wait_updates 5
ok $? "a new password unblocks: one update"
is "$(grep '/nic/update' "$tmp/stub/requests.log" | tail -1 | cut -f3)" \
	"Basic $(printf 'pingsvc-test:correct horse' | base64)" "with the new password"
stop_gw

# --- 911: back off ------------------------------------------------------------------------------
echo 911 >"$tmp/stub/answer"
echo 192.0.2.40 >"$tmp/stub/ip"
conf "${with_url[@]}" 'retry_s = 3600;'
start_gw
wait_updates 6
ok $? "new address, provider answers 911"
sleep 3
is "$(updates)" 6 "911: no retry before retry_s"
stop_gw
grep -q '^retry_at ' "$tmp/dyndns.state" &&
	[ "$(sed -n 's/^retry_at //p' "$tmp/dyndns.state")" -gt $(($(date +%s) + 3000)) ]
ok $? "the backoff is kept in the state file"

# --- a fixed address ---------------------------------------------------------------------------------
rm -f "$tmp/stub/answer" "$tmp/dyndns.state"
checks=$(ipchecks)
conf "${base[@]}" 'address = "198.51.100.7";'
start_gw
wait_updates 7
ok $? "address = fixed: one update"
is "$(grep '/nic/update' "$tmp/stub/requests.log" | tail -1 | cut -f2)" \
	"/nic/update?hostname=gw.example.dy.fi&myip=198.51.100.7" "with the fixed address"
is "$(ipchecks)" "$checks" "and no request to the IP service"
stop_gw

# --- an interface's address ----------------------------------------------------------------------
rm -f "$tmp/dyndns.state"
conf "${base[@]}" 'interface = "lo";'
start_gw
wait_updates 8
ok $? "interface = lo: one update"
is "$(grep '/nic/update' "$tmp/stub/requests.log" | tail -1 | cut -f2)" \
	"/nic/update?hostname=gw.example.dy.fi&myip=127.0.0.1" "with the interface's IPv4 address"
stop_gw

# --- nothing but loopback ------------------------------------------------------------------------
is "$(cut -f1 "$tmp/stub/requests.log" | sort -u)" 127.0.0.1 \
	"every request came over loopback ($(wc -l <"$tmp/stub/requests.log") requests)"
if [ -n "$netns" ]; then
	is "$(nsenter "--net=/run/netns/$netns" -- ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')" "lo " \
		"the gateway ran in a namespace whose only interface is lo"
else
	skip "not root: no namespace of its own"
fi
grep -i 'hunter2\|correct horse' "$tmp/gw.log" "$tmp/dyndns.state" >/dev/null
fails $? "the password appears in neither the log nor the state file"

done_testing
