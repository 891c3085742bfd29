#!/bin/bash
# Least privilege of what runs where:
#
#   the systemd units (etc/systemd/*.service): `systemd-analyze security
#   --offline=yes` rates each below an exposure of 3; each runs as a user
#   of its own, with no_new_privs; the gateway and the frontier hold no
#   capability at all, the worker CAP_NET_RAW and nothing else; each starts
#   a program `make install PREFIX=/usr` puts where the unit says;
#
#   the worker, started as root as systemd-less installs do, runs without
#   root once started: every uid and gid is the service user's, no
#   capability is left (effective, permitted, ambient), no_new_privs is
#   set, and it still works (it keeps trying its gateway, exits 0 on
#   SIGTERM).
#
# What each database role may do is tests/sql/10_privileges.sql; that the
# viewer's control actions need an authenticated admin and a CSRF token is
# tests/integration/viewer_pages.t.  Needs root for the second part.
set -u
top=${PINGSVC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
. "$top/tests/integration/tap.sh"

# --- the units ----------------------------------------------------------------
# unit_val UNIT KEY: the last value of KEY in the [Service] section.
unit_val()
{
	awk -F= -v k="$2" '/^\[/ { s = ($0 == "[Service]") } s && $1 == k { v = substr($0, length(k) + 2) } END { print v }' "$1"
}
for u in "$top"/etc/systemd/*.service; do
	name=$(basename "$u" .service)
	if command -v systemd-analyze >/dev/null; then
		exp=$(systemd-analyze security --offline=yes "$u" 2>/dev/null |
			sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
		awk -v e="$exp" 'BEGIN { exit !(e != "" && e + 0 < 3) }'
		ok $? "$name: systemd-analyze security exposure ${exp:-?} < 3"
	else
		skip "$name: systemd-analyze is not installed (package systemd)"
	fi
	user=$(unit_val "$u" User) dyn=$(unit_val "$u" DynamicUser)
	[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ]
	ok $? "$name: runs as a user of its own (${user:-none}${dyn:+, DynamicUser=$dyn})"
	is "$(unit_val "$u" NoNewPrivileges)" yes "$name: NoNewPrivileges"
	caps=$(unit_val "$u" CapabilityBoundingSet) amb=$(unit_val "$u" AmbientCapabilities)
	case $name in
	pingsvc-worker) want=CAP_NET_RAW ;;
	*) want= ;;
	esac
	is "$caps/$amb" "$want/$want" "$name: capabilities '${want:-none}' only"
	exe=$(unit_val "$u" ExecStart)
	exe=${exe%% *}
	[ "$exe" = "/usr/bin/$name" ] && [ -f "$top/$(sed 's/pingsvc-//' <<<"$name")/$name.8" -o -x "$bin/$name" ]
	ok $? "$name: starts /usr/bin/$name, where make install PREFIX=/usr puts it ($exe)"
done

# --- the worker drops root ------------------------------------------------------
W=$bin/pingsvc-worker
if [ "$(id -u)" != 0 ]; then
	skip "the worker's privilege drop needs root"
elif [ ! -x "$W" ]; then
	skip "$W is not built"
else
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	mkdir "$tmp/spool"
	chown nobody "$tmp/spool"
	echo "1.$(printf '%064d' 0)" >"$tmp/token"
	chmod 600 "$tmp/token"
	# A gateway port where nothing listens, on loopback: it backs off.
	cat >"$tmp/worker.conf" <<EOF
user = "nobody";
gateway_url = "https://127.0.0.1:9";
token_file = "$tmp/token";
spool_dir = "$tmp/spool";
http_timeout_s = 2;
backoff_max_s = 1;
metrics_listen = "";
EOF
	"$W" -c "$tmp/worker.conf" run 2>"$tmp/w.log" &
	wk=$!
	for _ in $(seq 1 50); do
		grep -q 'retrying in' "$tmp/w.log" && break
		sleep 0.1
	done
	st=$(cat "/proc/$wk/status" 2>/dev/null)
	nob=$(id -u nobody) nog=$(id -g nobody)
	f() { awk -v k="$1:" '$1 == k { $1 = ""; print substr($0, 2) }' <<<"$st"; }
	[[ $(f Uid) =~ ^$nob[[:space:]]+$nob[[:space:]]+$nob[[:space:]]+$nob$ ]]
	ok $? "worker: real, effective, saved and fs uid are nobody's ($(f Uid))"
	[[ $(f Gid) =~ ^$nog[[:space:]]+$nog[[:space:]]+$nog[[:space:]]+$nog$ ]]
	ok $? "worker: every gid is nobody's group ($(f Gid))"
	extra=$(comm -23 <(tr ' \t' '\n\n' <<<"$(f Groups)" | grep . | sort) <(id -G nobody | tr ' ' '\n' | sort))
	is "$extra" "" "worker: no supplementary group but nobody's own ($(f Groups))"
	is "$(f CapEff)/$(f CapPrm)/$(f CapAmb)" "0000000000000000/0000000000000000/0000000000000000" \
		"worker: no capability left (effective, permitted, ambient)"
	is "$(f NoNewPrivs)" 1 "worker: no_new_privs"
	grep -q 'retrying in' "$tmp/w.log"
	ok $? "worker: still at work (backing off from a gateway that is not there)"
	kill -TERM "$wk"
	wait "$wk"
	ok $? "worker: SIGTERM, exit 0"
	rm -rf "$tmp"
fi
done_testing
