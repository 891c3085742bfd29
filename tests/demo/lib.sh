# shellcheck shell=bash
# tests/demo/lib.sh -- the whole system in the network lab, shared by
# tests/demo/demo (`make demo`) and tests/integration/e2e.t.  Sourced by
# bash; defines functions only.
#
# Before calling them, set:
#   TOP    repository root          BIN   directory of the four programs
#   RUN    a private directory (certificates, configs, tokens, spools, logs)
#   DB     database name            PSL_LAB_PREFIX (exported) the lab's prefix
# and have libpq's PG* variables name a superuser of the cluster.
#
# Layout (all in the lab, see tests/lab/README.md):
#   gateway  `pingsvc-ingest serve` in r1, on 0.0.0.0:8443 there, so v1
#            reaches it as 198.18.1.1 and v2 as 198.18.2.1 (one self-signed
#            certificate names both); PostgreSQL through its unix socket,
#            which crosses network namespaces.
#   workers  `pingsvc-worker run` in v1 (enrolled icmp,udp,tcp) and in v2
#            (enrolled --caps tcp: the gateway hands it TCP jobs only).
#   frontier `pingsvc-frontier` on the host (it only talks SQL), allowed
#            198.18.0.0/15, TCP jobs to port 80 (tcponly's listener).

LAB=${LAB:-$TOP/tests/lab/lab}
DEMO_GWROLE=${DEMO_GWROLE:-pingsvc_demo_gw}
DEMO_FRROLE=${DEMO_FRROLE:-pingsvc_demo_fr}
# vantage -> enrolled capabilities and the gateway address it dials
# (v3 exists only in the demo's lab, tests/demo/lab; the demo enrols v2
# with every protocol and v3, whose firewall drops ICMP, with TCP only.)
declare -A DEMO_CAPS=([v1]="icmp,udp,tcp" [v2]="tcp" [v3]="tcp")
declare -A DEMO_GWADDR=([v1]=198.18.1.1 [v2]=198.18.2.1 [v3]=198.18.3.1)
declare -A DEMO_PID=()
DEMO_GW_PID=
DEMO_VANTAGES=${DEMO_VANTAGES:-v1 v2}

dq() { psql -X -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

# demo_wait SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
demo_wait()
{
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

# demo_db: create and migrate DB, roles for the gateway and the frontier,
# and permit the lab range for hop feedback.
demo_db()
{
	createdb "$DB" || return 1
	"$TOP/sql/migrate" "dbname=$DB" >/dev/null || return 1
	psql -X -q -d "$DB" -v ON_ERROR_STOP=1 >/dev/null <<-EOF || return 1
		DO \$\$ BEGIN
		  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DEMO_GWROLE') THEN
		    CREATE ROLE $DEMO_GWROLE LOGIN IN ROLE pingsvc_ingest;
		  END IF;
		  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DEMO_FRROLE') THEN
		    CREATE ROLE $DEMO_FRROLE LOGIN IN ROLE pingsvc_frontier;
		  END IF;
		END \$\$;
		INSERT INTO pingsvc.allowed_ranges (prefix, reason)
		VALUES ('198.18.0.0/15', 'network lab (tests/lab)')
		ON CONFLICT DO NOTHING;
	EOF
}

demo_drop_db()
{
	dropdb --if-exists "$DB" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $DEMO_GWROLE" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $DEMO_FRROLE" >/dev/null 2>&1
	return 0
}

# demo_configs: certificate, gateway, frontier and worker configs in $RUN.
demo_configs()
{
	local v
	chmod 755 "$RUN"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -subj /CN=pingsvc-lab-gateway \
		-addext subjectAltName=IP:198.18.1.1,IP:198.18.2.1,IP:198.18.3.1,IP:127.0.0.1 \
		-days 2 -keyout "$RUN/gw.key" -out "$RUN/gw.crt" \
		>/dev/null 2>&1 || return 1
	chmod 644 "$RUN/gw.crt"
	chmod 600 "$RUN/gw.key"
	cat >"$RUN/ingest.conf" <<-EOF
		listen = "0.0.0.0";
		port = 8443;
		tls_cert = "$RUN/gw.crt";
		tls_key = "$RUN/gw.key";
		db = "dbname=$DB user=$DEMO_GWROLE";
		db_pool = 4;
		threads = 8;
		lease_s = 60;
		log_level = "warn";
	EOF
	cat >"$RUN/frontier.conf" <<-EOF
		db = "dbname=$DB user=$DEMO_FRROLE";
		log_level = "warn";
		allow = [ "198.18.0.0/15" ];
		schedule = {
			interval = ${DEMO_INTERVAL:-10};
			budget = 1000;
			prefix_budget = 16;
			vantages = 3;
			worker_online = 300;
			tcp_port = 80;
		};
		score = { every = 0; };
	EOF
	for v in $DEMO_VANTAGES; do
		mkdir -p "$RUN/spool-$v"
		chown nobody "$RUN/spool-$v"
		cat >"$RUN/worker-$v.conf" <<-EOF
			rate_pps = 2000;
			target_interval_ms = 0;
			user = "nobody";
			allow = [ "198.18.0.0/15" ];
			gateway_url = "https://${DEMO_GWADDR[$v]}:8443";
			token_file = "$RUN/token-$v";
			ca_file = "$RUN/gw.crt";
			spool_dir = "$RUN/spool-$v";
			claim_max = 50;
			heartbeat_s = 2;
			idle_s = 1;
			http_timeout_s = 5;
			backoff_max_s = 2;
			stop_grace_s = 5;
			metrics_listen = "127.0.0.1:9101";
		EOF
	done
}

demo_gw_healthy()
{
	"$LAB" exec v1 curl -s -o /dev/null --cacert "$RUN/gw.crt" \
		https://198.18.1.1:8443/healthz
}

# Daemons start under setsid (which execs, so $! stays their pid): in a
# session of their own, a Ctrl-C at the terminal reaches only the demo
# script, which stops them in order (workers drain first).
#
# demo_start_gateway: the gateway in r1; waits until v1 gets /healthz.
demo_start_gateway()
{
	setsid "$LAB" exec r1 "$BIN/pingsvc-ingest" serve --config "$RUN/ingest.conf" \
		2>>"$RUN/gateway.log" &
	DEMO_GW_PID=$!
	demo_wait 15 demo_gw_healthy
}

# demo_enroll: one token per vantage, with its capabilities.
demo_enroll()
{
	local v tok
	for v in $DEMO_VANTAGES; do
		tok=$(PGUSER=$DEMO_GWROLE PGDATABASE=$DB "$BIN/pingsvc-ingest" \
			enroll "lab-$v" --caps "${DEMO_CAPS[$v]}") || return 1
		printf '%s\n' "$tok" >"$RUN/token-$v"
		chmod 600 "$RUN/token-$v"
	done
}

# demo_start_workers: one daemon per vantage (-d: debug log, which names
# every result it spools, so the test can count them); waits until each
# has sent a heartbeat, so that the frontier sees it online.
demo_start_workers()
{
	local v
	for v in $DEMO_VANTAGES; do
		setsid "$LAB" exec "$v" "$BIN/pingsvc-worker" -d -c "$RUN/worker-$v.conf" run \
			2>>"$RUN/worker-$v.log" &
		DEMO_PID[$v]=$!
	done
	demo_wait 20 demo_workers_online
}

demo_workers_online()
{
	[[ $(dq "SELECT count(*) FROM pingsvc.workers
	         WHERE last_seen > now() - interval '1 minute'") -ge \
	$(wc -w <<<"$DEMO_VANTAGES") ]] 2>/dev/null
}

# demo_bootstrap FILE: import the lab bootstrap list, one line at a time.
# The importer keeps one representative address per IPv4 /20 of a file
# (frontier/represent.h: right for cloud lists, where a file names
# thousands of prefixes), and the lab's targets share one /20; imported
# one by one, each address is its own representative.  Prints the number
# of new targets.
demo_bootstrap()
{
	local line new=0 n i=0
	while read -r line; do
		line=${line%%#*}
		line=${line//[[:space:]]/}
		[[ -z $line ]] && continue
		i=$((i + 1))
		printf '%s\n' "$line" >"$RUN/bootstrap-$i.txt"
		n=$("$BIN/pingsvc-frontier" --config "$RUN/frontier.conf" \
			import list "$RUN/bootstrap-$i.txt" --provider lab |
			awk '$1 == "new" { print $2 }') || return 1
		new=$((new + ${n:-0}))
	done <"$1"
	echo "$new"
}

# demo_bootstrap_file FORMAT FILE: import a provider-format bootstrap file
# in one go (its prefixes lie in different /20s); prints the new targets.
demo_bootstrap_file()
{
	"$BIN/pingsvc-frontier" --config "$RUN/frontier.conf" import "$1" "$2" |
		awk '$1 == "new" { print $2 }'
}

demo_frontier() { "$BIN/pingsvc-frontier" --config "$RUN/frontier.conf" "$@"; }

# Results the workers spooled (their debug log names each), and stored.
demo_spooled_keys() { cat "$RUN"/worker-*.log 2>/dev/null | sed -n 's/.*spooled \([0-9a-f]*\) job .*/\1/p'; }
demo_results_produced() { demo_spooled_keys | sort -u | wc -l; }
demo_results_stored() { dq "SELECT count(*) FROM pingsvc.results"; }

demo_jobs_open() { dq "SELECT count(*) FROM pingsvc.jobs WHERE state IN ('ready', 'leased')"; }
demo_settled()
{
	[[ $(demo_jobs_open) == 0 &&
	$(demo_results_stored) == "$(demo_results_produced)" ]]
}

# demo_cycle [WAIT]: one frontier cycle as if the targets' cooldowns had
# passed (a lab cannot wait an hour: next_due is moved to now), then wait
# up to WAIT seconds until every job is done and every result stored.
demo_cycle()
{
	# Score first, so that the state change it may make (new ->
	# responsive, which moves next_due) happens before the move below.
	dq "SELECT pingsvc.score_targets('7 days', '1 day')" >/dev/null
	dq "UPDATE pingsvc.targets SET next_due = now()
	    WHERE next_due > now() AND state <> 'opted_out'" >/dev/null
	demo_frontier run --once >"$RUN/cycle.out" 2>>"$RUN/frontier.log" || return 1
	demo_wait "${1:-60}" demo_settled
}

# demo_summary: the six numbers of the final summary.
demo_summary()
{
	local produced stored
	produced=$(demo_results_produced)
	stored=$(demo_results_stored)
	echo "summary targets_bootstrap $(dq "SELECT count(*) FROM pingsvc.targets WHERE source = 'bootstrap'")"
	echo "summary targets $(dq "SELECT count(*) FROM pingsvc.targets")"
	echo "summary traces $(dq "SELECT count(*) FROM pingsvc.traces")"
	echo "summary links $(dq "SELECT count(*) FROM pingsvc.links")"
	echo "summary route_changes $(dq "SELECT count(*) FROM pingsvc.route_changes")"
	echo "summary results_lost $((produced - stored))"
}

# demo_stop: workers (SIGTERM: they finish, submit, exit), then the gateway.
demo_stop()
{
	local v
	for v in "${!DEMO_PID[@]}"; do
		kill -TERM "${DEMO_PID[$v]}" 2>/dev/null
	done
	for v in "${!DEMO_PID[@]}"; do
		wait "${DEMO_PID[$v]}" 2>/dev/null
		unset "DEMO_PID[$v]"
	done
	if [[ -n $DEMO_GW_PID ]]; then
		kill -TERM "$DEMO_GW_PID" 2>/dev/null
		wait "$DEMO_GW_PID" 2>/dev/null
		DEMO_GW_PID=
	fi
	return 0
}
