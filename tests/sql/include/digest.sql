-- include/digest.sql: pg_temp.digest(run) stores in t_digest, per derived
-- table (traces, hops, links, link_rtt_daily, targets, flows, flow_paths,
-- route_changes), its rows as sorted text without the ids sequences draw
-- (trace, flow and change ids are mapped to result ids or flow keys), so
-- that two runs of a derivation, one rolled back to a savepoint, can be
-- compared table by table.  Included by tests/sql/63_pipeline_v4.sql and
-- 65_derive_v2.sql inside their transaction.
CREATE TEMP TABLE t_digest (run text, tbl text, rows text, PRIMARY KEY (run, tbl)) ON COMMIT DROP;
CREATE FUNCTION pg_temp.digest(p_run text)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO t_digest
    SELECT p_run, 'traces', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT concat_ws('|', result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl, source) AS x
              FROM pingsvc.traces) AS q
    UNION ALL
    SELECT p_run, 'hops', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT concat_ws('|', t.result_id, h.ttl, h.probe, h.address, h.rtt_ms, h.reply_ttl, h.size, h.mpls) AS x
              FROM pingsvc.hops h JOIN pingsvc.traces t USING (trace_id, ts)) AS q
    UNION ALL
    SELECT p_run, 'links', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT concat_ws('|', l.near, l.far, l.first_seen, l.last_seen, l.times_seen, l.rtt_diff_min_ms,
                             l.rtt_diff_max_ms, l.rtt_diff_sum_ms, l.rtt_diff_count,
                             (SELECT t.result_id FROM pingsvc.traces t WHERE t.trace_id = l.last_trace_id)) AS x
              FROM pingsvc.links l) AS q
    UNION ALL
    SELECT p_run, 'link_rtt_daily', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT d::text AS x FROM pingsvc.link_rtt_daily d) AS q
    UNION ALL
    SELECT p_run, 'targets', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT concat_ws('|', g.address, g.source, g.state, g.first_seen, g.last_seen,
                             (SELECT t.result_id FROM pingsvc.traces t WHERE t.trace_id = g.discovered_by_trace)) AS x
              FROM pingsvc.targets g) AS q
    UNION ALL
    SELECT p_run, 'flows', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT concat_ws('|', vantage, target, proto, paris_id, first_seen, last_ts, traces, late_traces,
                             cur_path, cur_reached_ttl, cur_since, cur_last_at, cur_traces, traces_since_change,
                             cand_path, cand_reached_ttl, cand_since, cand_last_at, cand_traces, changes,
                             transients, last_transient_at) AS x
              FROM pingsvc.flows) AS q
    UNION ALL
    SELECT p_run, 'flow_paths', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT concat_ws('|', f.vantage, f.target, p.seq, p.path, p.reached_ttl, p.valid_from, p.valid_to,
                             p.last_seen, p.traces, p.change_id IS NULL, p.as_path) AS x
              FROM pingsvc.flow_paths p JOIN pingsvc.flows f USING (flow_id)) AS q
    UNION ALL
    SELECT p_run, 'route_changes', string_agg(x, E'\n' ORDER BY x)
      FROM (SELECT concat_ws('|', vantage, target, proto, paris_id, detected_at, last_old_at, old_path, new_path,
                             old_reached, new_reached, diverge_ttl, rejoin_ttl, kind, changed_hops, as_changed) AS x
              FROM pingsvc.route_changes) AS q;
$$;
