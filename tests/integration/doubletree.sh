# doubletree.sh -- the Doubletree stop-set round trip in the network lab,
# sourced by tests/integration/frontier_doubletree.t and tests/bench/frontier.
#
# dt_round FIRST SECOND runs, in the current database ($PGDATABASE,
# migrated, as the superuser) and the lab of $PSL_LAB_PREFIX (up):
#   1. FIRST traces every lab target (pingsvc-worker trace, no stop set)
#      and the results are imported as FIRST's (pingsvc-ingest import
#      --format native), as a submit would store them;
#   2. one scheduling cycle (pingsvc-frontier run --once): SECOND has never
#      traced the targets, so its traceroute jobs carry params.stop_set;
#   3. SECOND traces each of its jobs twice, with the job's protocol and
#      paris_id: with the stop set, then without (the baseline).
# The caller sets dt_worker, dt_frontier, dt_ingest (programs), dt_lab
# (tests/lab/lab), dt_tmp (a scratch directory), dt_gwrole (a login role in
# pingsvc_ingest) and dt_frconf (a frontier config allowing 198.18.0.0/15
# with vantages >= 2).  The workers FIRST and SECOND must exist (online,
# ICMP).  Results: dt_sent_with and dt_sent_without (probes SECOND sent,
# summed over its jobs), dt_jobs (SECOND's traceroute jobs), dt_stopsets
# (those with a stop set), dt_gss (traces that stopped with "GSS"),
# dt_prefix_ok (GSS traces whose hops up to the stop agree with the
# baseline's), and the files $dt_tmp/SECOND-{with,without}-N.json.
# Returns non-zero when a step fails, with the reason on stderr.

dt_allow=(--allow 198.18.0.0/15)

# The probes a one-shot run sent: its debug line "... sent N, replies ...".
dt_sent()
{
	sed -n 's/.* sent \([0-9]*\), replies.*/\1/p' "$1" | tail -n 1
}

# dt_field FILE KEY -- a top-level field of a result line (JSON), or "".
dt_field()
{
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
print("" if v is None else json.dumps(v, separators=(",", ":")).strip(chr(34)))' "$1" "$2"
}

# dt_same_start STOPPED FULL -- the stopped trace's hops answer from the
# same addresses as the full trace's first hops.
dt_same_start()
{
	python3 -c 'import json, sys
def hops(f):
    return [sorted({r.get("from") for r in h["result"]} - {None})
            for h in json.load(open(f))["result"]]
w, f = hops(sys.argv[1]), hops(sys.argv[2])
sys.exit(0 if w == f[:len(w)] else 1)' "$1" "$2"
}

dt_targets()
{
	printf '%s\n' "$("$dt_lab" addr target)" "$("$dt_lab" addr tcp-only)" \
	    "$("$dt_lab" addr missing)" 198.18.100.1
}

dt_round()
{
	local first=$1 second=$2 i=0 t proto pid stops args sw sn
	local -a jobs

	dt_sent_with=0 dt_sent_without=0 dt_jobs=0 dt_stopsets=0 dt_gss=0
	dt_prefix_ok=0
	dt_targets >"$dt_tmp/targets"
	psql -X -q -v ON_ERROR_STOP=1 -c "
	    INSERT INTO pingsvc.targets (address, source, state, reliability)
	    SELECT a::inet, 'manual', 'responsive', 0.9
	      FROM unnest(string_to_array('$(tr '\n' ' ' <"$dt_tmp/targets")', ' ')) a
	     WHERE a <> ''
	    ON CONFLICT (address) DO UPDATE SET next_due = now() - interval '1 s'" ||
	    return 1
	"$dt_lab" exec "$first" "$dt_worker" -d trace "${dt_allow[@]}" \
	    --targets "$dt_tmp/targets" >"$dt_tmp/$first-discovery.json" \
	    2>"$dt_tmp/$first-discovery.err" || {
		echo "doubletree: $first's traces failed" >&2
		return 1
	}
	PGUSER=$dt_gwrole "$dt_ingest" import --format native --worker "$first" \
	    "$dt_tmp/$first-discovery.json" >"$dt_tmp/$first-import.out" 2>&1 || {
		echo "doubletree: import of $first's traces failed:" >&2
		cat "$dt_tmp/$first-import.out" >&2
		return 1
	}
	"$dt_frontier" --config "$dt_frconf" run --once >"$dt_tmp/cycle.out" 2>&1 || {
		echo "doubletree: the cycle failed:" >&2
		cat "$dt_tmp/cycle.out" >&2
		return 1
	}
	mapfile -t jobs < <(psql -X -At -F ' ' -c "
	    SELECT host(j.target), j.proto, j.paris_id,
	           coalesce((SELECT string_agg(s, ' ')
	                       FROM jsonb_array_elements_text(j.params->'stop_set') s), '')
	      FROM pingsvc.jobs j JOIN pingsvc.workers w USING (worker_id)
	     WHERE j.kind = 'traceroute' AND j.state = 'ready' AND w.name = '$second'
	     ORDER BY j.target")
	for row in "${jobs[@]}"; do
		read -r t proto pid stops <<<"$row"
		i=$((i + 1))
		dt_jobs=$((dt_jobs + 1))
		args=(--proto "$proto" --paris-id "$pid")
		[ -n "$stops" ] && dt_stopsets=$((dt_stopsets + 1))
		for s in $stops; do args+=(--stop-set "$s"); done
		"$dt_lab" exec "$second" "$dt_worker" -d trace "${dt_allow[@]}" \
		    "${args[@]}" "$t" >"$dt_tmp/$second-with-$i.json" \
		    2>"$dt_tmp/$second-with-$i.err" || return 1
		"$dt_lab" exec "$second" "$dt_worker" -d trace "${dt_allow[@]}" \
		    --proto "$proto" --paris-id "$pid" "$t" \
		    >"$dt_tmp/$second-without-$i.json" \
		    2>"$dt_tmp/$second-without-$i.err" || return 1
		sw=$(dt_sent "$dt_tmp/$second-with-$i.err")
		sn=$(dt_sent "$dt_tmp/$second-without-$i.err")
		dt_sent_with=$((dt_sent_with + ${sw:-0}))
		dt_sent_without=$((dt_sent_without + ${sn:-0}))
		if dt_field "$dt_tmp/$second-with-$i.json" stop_reason |
		    grep -qx GSS; then
			dt_gss=$((dt_gss + 1))
			# The hops up to the stop are those of the full trace.
			dt_same_start "$dt_tmp/$second-with-$i.json" \
			    "$dt_tmp/$second-without-$i.json" &&
			    dt_prefix_ok=$((dt_prefix_ok + 1))
		fi
	done
	return 0
}

# dt_saving_pct -- 100 * (without - with) / without, one decimal.
dt_saving_pct()
{
	awk -v a="$dt_sent_without" -v b="$dt_sent_with" \
	    'BEGIN { printf "%.1f\n", (a > 0 ? 100 * (a - b) / a : 0) }'
}
