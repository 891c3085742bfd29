#!/usr/bin/env bash
#
# frontier_schedule.t -- `pingsvc-frontier run --once` and `optout add`:
# cooldowns across cycles, no job for opted-out or special-purpose
# addresses, per-/24 and global budgets, vantage diversity, TCP-only
# workers, lease expiry, new hops first, reliability scoring, daily
# partition maintenance.
#
# Prints TAP.  Runs under tests/pg/with-pg, in a database of its own, as a
# login role in pingsvc_frontier; fixtures are made as the superuser.
#
#	tests/pg/with-pg prove -v tests/integration/frontier_schedule.t
#
set -u

top=${PINGSVC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
bin=${PINGSVC_BIN:-$top/build/release/bin}
frontier=$bin/pingsvc-frontier

. "$top/tests/integration/tap.sh"
need_db
need_built "$frontier"

own_db pingsvc_t_fsched_$$
role=pingsvc_t_fsched_$$
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
own_role "$role" pingsvc_frontier
field() { printf '%s\n' "$1" | sed -n "s/^$2 \(-*[0-9]*\)\$/\1/p"; }

conf=$tmp/frontier.conf
cat >"$conf" <<'CONF'
log_level = "warn";
schedule = {
	budget = 1000;
	prefix_budget = 4;
	vantages = 3;
	worker_online = 300;
	tcp_port = 443;
};
score = { every = 0; };
CONF
fr() { PGUSER=$role "$frontier" --config "$conf" "$@"; }

# Workers: three online (one without ICMP), one offline, one disabled.
q "INSERT INTO pingsvc.workers (name, token_hash, caps, last_seen, enabled)
   VALUES ('w-all',  sha256('a'), '{icmp,udp,tcp}', now(), true),
          ('w-icmp', sha256('b'), '{icmp}',         now(), true),
          ('w-tcp',  sha256('c'), '{tcp}',          now(), true),
          ('w-old',  sha256('d'), '{icmp,tcp}',     now() - interval '1 day', true),
          ('w-off',  sha256('e'), '{icmp,tcp}',     now(), false)" >/dev/null
wid() { q "SELECT worker_id FROM pingsvc.workers WHERE name = '$1'"; }

# Targets: ten in one /24, five responsive ones, special-purpose ones, one
# to opt out, one not yet due.
q "INSERT INTO pingsvc.targets (address, source, state)
   SELECT ('1.2.3.' || i)::inet, 'bootstrap', 'new' FROM generate_series(1, 10) i;
   INSERT INTO pingsvc.targets (address, source, state, reliability)
   SELECT ('8.' || i || '.0.1')::inet, 'bootstrap', 'responsive', 0.9 FROM generate_series(1, 5) i;
   INSERT INTO pingsvc.targets (address, source) VALUES
       ('10.0.0.1', 'manual'), ('192.0.2.1', 'manual'), ('198.18.0.5', 'manual'),
       ('2001:db8::1', 'manual'), ('77.1.1.1', 'bootstrap'), ('77.1.1.2', 'bootstrap');
   INSERT INTO pingsvc.targets (address, source, next_due)
       VALUES ('9.9.9.9', 'bootstrap', now() + interval '1 hour');" >/dev/null

# A ready job for 77.1.1.2 from some earlier cycle.
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap) VALUES ('ping', '77.1.1.2', 'icmp', 'icmp')" >/dev/null
out=$(fr optout add 77.1.1.0/24 --reason "operator asked" 2>&1)
like "$out" "jobs_removed 1" "optout add removes the ready job"
like "$out" "targets_marked 2" "optout add marks the targets"
is "$(q "SELECT count(*) FROM pingsvc.targets WHERE state = 'opted_out'")" 2 "targets opted_out"
out=$(fr optout add 77.1.1.0/24 2>&1)
ok $(( $? == 2 ? 0 : 1 )) "optout add without --reason: usage error"

# Expired leases: one with attempts left, one without.
q "INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, worker_id,
                             leased_at, lease_expires, attempts, max_attempts)
   VALUES ('ping', '4.4.4.4', 'icmp', 'icmp', 'leased', $(wid w-all),
           now() - interval '10 min', now() - interval '5 min', 1, 3),
          ('ping', '4.4.4.5', 'icmp', 'icmp', 'leased', $(wid w-all),
           now() - interval '10 min', now() - interval '5 min', 3, 3),
          ('ping', '4.4.4.6', 'icmp', 'icmp', 'leased', $(wid w-all),
           now() - interval '1 min', now() + interval '5 min', 1, 3)" >/dev/null

# --- cycle 1 -------------------------------------------------------------
out=$(fr run --once 2>&1)
echo "$out" | sed 's/^/# /'
is "$(field "$out" requeued)" 1 "cycle 1: one expired lease requeued"
is "$(field "$out" failed)" 1 "cycle 1: one out of attempts failed"
is "$(q "SELECT state || ' ' || attempts || ' ' || coalesce(last_error, '-') FROM pingsvc.jobs WHERE target = '4.4.4.4'")" \
    "ready 1 lease expired" "requeued job: ready, attempts kept, error noted"
is "$(q "SELECT state FROM pingsvc.jobs WHERE target = '4.4.4.5'") $(q "SELECT state FROM pingsvc.jobs WHERE target = '4.4.4.6'")" \
    "failed leased" "out of attempts: failed; unexpired lease untouched"
is "$(field "$out" targets)" 9 "cycle 1: 4 of the /24 + 5 responsive targets"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE kind = 'ping' AND target << '1.2.3.0/24'")" 4 \
    "per-/24 budget: 4 pings in 1.2.3.0/24"
like "$(field "$out" maintained)" "^[0-9]+$" "cycle 1 ran partition maintenance"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE target << '10.0.0.0/8' OR target << '192.0.2.0/24'
          OR target << '198.18.0.0/15' OR target << '2001:db8::/32' OR target << '77.1.1.0/24'")" 0 \
    "no job for special-purpose or opted-out addresses"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE target = '9.9.9.9'")" 0 "no job before next_due"
is "$(field "$out" skipped)" 4 "cycle 1: 4 special-purpose targets skipped"
is "$(q "SELECT count(*) FROM pingsvc.targets WHERE address IN ('10.0.0.1', '192.0.2.1', '198.18.0.5', '2001:db8::1')
          AND next_due > now() + interval '50 minutes'")" 4 \
    "skipped targets wait a cooldown instead of holding the queue's head"

# Vantage diversity: each responsive target traced from 3 distinct online workers.
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE kind = 'traceroute'")" 15 "15 traceroute jobs (5 x 3)"
is "$(q "SELECT count(*) FROM (SELECT target FROM pingsvc.jobs WHERE kind = 'traceroute'
          GROUP BY target HAVING count(DISTINCT worker_id) = 3) x")" 5 \
    "each traced target has 3 distinct vantages"
is "$(q "SELECT count(*) FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
          WHERE j.kind = 'traceroute' AND w.name IN ('w-old', 'w-off')")" 0 \
    "no traceroute for offline or disabled workers"
is "$(q "SELECT string_agg(DISTINCT proto || ':' || coalesce(port::text, '-'), ',') FROM pingsvc.jobs
          WHERE worker_id = $(wid w-tcp) AND state = 'ready'")" "tcp:443" \
    "the worker without ICMP gets TCP jobs only"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE kind = 'traceroute' AND worker_id <> $(wid w-tcp) AND proto <> 'icmp'")" 0 \
    "ICMP-capable vantages trace with ICMP"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE kind = 'traceroute' AND params->>'vantage' IS NULL")" 0 \
    "traceroute jobs name their vantage"
is "$(q "SELECT count(*) FROM pingsvc.targets t WHERE EXISTS (SELECT 1 FROM pingsvc.jobs j WHERE j.target = t.address AND j.kind = 'ping' AND j.state = 'ready') AND t.next_due < now() + t.cooldown - interval '1 minute'")" 0 \
    "scheduled targets: next_due pushed by their cooldown"

# --- cycle 2, after the workers did everything -------------------------
q "UPDATE pingsvc.jobs SET state = 'done', worker_id = coalesce(worker_id, $(wid w-all)),
       done_at = now(), leased_at = NULL, lease_expires = NULL
     WHERE state IN ('ready', 'leased')" >/dev/null
first=$(q "SELECT string_agg(host(target), ',' ORDER BY target) FROM pingsvc.jobs WHERE kind = 'ping' AND target << '1.2.3.0/24'")
out=$(fr run --once 2>&1)
is "$(field "$out" maintained)" -1 "cycle 2: maintenance not due again"
is "$(field "$out" targets)" 4 "cycle 2: the next 4 of the /24 only"
is "$(q "SELECT count(*) FROM (SELECT target FROM pingsvc.jobs WHERE kind = 'ping'
          GROUP BY target HAVING count(*) > 1) x")" 0 \
    "cooldown: no target pinged twice across two cycles"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE kind = 'ping' AND target << '1.2.3.0/24'")" 8 \
    "cycle 2 scheduled other addresses of the /24"

# --- growth: a new hop goes first ----------------------------------------
q "INSERT INTO pingsvc.targets (address, source) VALUES ('5.5.5.5', 'hop')" >/dev/null
cat >"$tmp/one.conf" <<'CONF'
schedule = { budget = 1; vantages = 2; };
CONF
out=$(PGUSER=$role "$frontier" --config "$tmp/one.conf" run --once 2>&1)
is "$(field "$out" targets)" 1 "budget 1: one target"
is "$(q "SELECT host(target) || ' ' || priority FROM pingsvc.jobs WHERE kind = 'ping' ORDER BY job_id DESC LIMIT 1")" \
    "5.5.5.5 100" "the new hop is scheduled first, at high priority"
is "$(q "SELECT count(DISTINCT worker_id) FROM pingsvc.jobs WHERE kind = 'traceroute' AND target = '5.5.5.5'")" 2 \
    "the new hop is traced from 2 vantages"

# --- allow list from the config -----------------------------------------
cat >"$tmp/allow.conf" <<'CONF'
allow = [ "198.18.0.0/15" ];
schedule = { vantages = 0; };
CONF
q "UPDATE pingsvc.targets SET next_due = now() WHERE address << '198.18.0.0/15' OR address << '10.0.0.0/8'" >/dev/null
out=$(PGUSER=$role "$frontier" --config "$tmp/allow.conf" run --once 2>&1)
is "$(q "SELECT string_agg(host(target), ',') FROM pingsvc.jobs WHERE target << '198.18.0.0/15'")" \
    "198.18.0.5" "an allowed special range is scheduled"
is "$(q "SELECT count(*) FROM pingsvc.jobs WHERE target << '10.0.0.0/8' OR target << '77.1.1.0/24'")" 0 \
    "other special and opted-out addresses still not"

# --- unknown config keys are refused ---------------------------------------
printf 'schedule = { budgett = 5; };\n' >"$tmp/typo.conf"
out=$(PGUSER=$role "$frontier" --config "$tmp/typo.conf" run --once 2>&1)
ok $(( $? == 1 ? 0 : 1 )) "config typo: exit 1"
like "$out" "budgett" "config typo named"

# --- scoring -------------------------------------------------------------
q "INSERT INTO pingsvc.targets (address, source, next_due) VALUES
       ('6.6.6.1', 'bootstrap', now() + interval '1 hour'),
       ('6.6.6.2', 'bootstrap', now() + interval '1 hour'),
       ('6.6.6.3', 'bootstrap', now() + interval '1 hour');
   INSERT INTO pingsvc.results (ts, worker_id, type, af, target, body)
   SELECT now() - interval '10 min', $(wid w-all), 'ping', 4, t::inet,
          jsonb_build_object('type', 'ping', 'proto', 'ICMP', 'sent', 3, 'rcvd', r)
     FROM (VALUES ('6.6.6.1', 3), ('6.6.6.1', 3), ('6.6.6.2', 1), ('6.6.6.2', 2),
                  ('6.6.6.3', 0), ('6.6.6.3', 0)) v(t, r)" >/dev/null
out=$(fr run --once 2>&1)
is "$(q "SELECT string_agg(host(address) || ' ' || state || ' ' || round(reliability::numeric, 2) || ' ' || cooldown, ', ' ORDER BY address)
          FROM pingsvc.targets WHERE address << '6.6.6.0/24'")" \
    "6.6.6.1 responsive 1.00 01:00:00, 6.6.6.2 flaky 0.50 04:00:00, 6.6.6.3 dead 0.00 7 days" \
    "scoring: responsive, flaky, dead with their cooldowns"
is "$(q "SELECT count(*) FROM pingsvc.target_scores WHERE proto = 'icmp'")" 3 "per-protocol scores kept"
is "$(q "SELECT next_due > now() + interval '6 days' FROM pingsvc.targets WHERE address = '6.6.6.3'")" t \
    "a dead target is retried only after a long cooldown"

# --- the shipped config loads (every key known) -------------------------
out=$(PGUSER=$role "$frontier" --config "$top/etc/frontier.conf" run --once 2>&1)
ok $? "etc/frontier.conf loads and a cycle runs with it"
is "$(field "$out" scored)" -1 "score.every: no second scoring within 600 s"

# --- a pause from the viewer's control page (when the database has it) ----
if [ "$(q "SELECT to_regprocedure('pingsvc.scheduling_paused()') IS NOT NULL")" = t ]; then
	q "INSERT INTO pingsvc.control_flags (name, enabled, description)
	   VALUES ('scheduling_paused', true, 'test')
	   ON CONFLICT (name) DO UPDATE SET enabled = true" >/dev/null
	q "INSERT INTO pingsvc.targets (address, source) VALUES ('5.5.6.6', 'hop')" >/dev/null
	out=$(fr run --once 2>&1)
	is "$(field "$out" paused) $(field "$out" targets)" "1 0" "paused: no jobs made"
	q "UPDATE pingsvc.control_flags SET enabled = false WHERE name = 'scheduling_paused'" >/dev/null
	out=$(fr run --once 2>&1)
	is "$(field "$out" paused) $(q "SELECT count(*) FROM pingsvc.jobs WHERE kind = 'ping' AND target = '5.5.6.6'")" "0 1" \
	    "unpaused: the waiting target is scheduled"
else
	ok 0 "# SKIP no pingsvc.scheduling_paused() in this database"
	ok 0 "# SKIP no pingsvc.scheduling_paused() in this database"
fi

done_testing
