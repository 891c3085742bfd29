-- 20_constraints.sql: the constraints turn bad rows away, each for the
-- intended reason (SQLSTATE and constraint name), and take good rows.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(88);

-- rejects: run p_sql, expect SQLSTATE p_state raised by constraint
-- p_constraint (NULL: any or none).
CREATE FUNCTION pg_temp.rejects(p_sql text, p_state text, p_constraint text, p_desc text)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_con   text;
    v_msg   text;
    v_ok    boolean;
BEGIN
    BEGIN
        EXECUTE p_sql;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE,
                                v_con = CONSTRAINT_NAME,
                                v_msg = MESSAGE_TEXT;
    END;
    v_ok := v_state IS NOT DISTINCT FROM p_state
            AND (p_constraint IS NULL OR v_con IS NOT DISTINCT FROM p_constraint);
    RETURN ok(v_ok, p_desc)
        || CASE WHEN v_ok THEN ''
                ELSE E'\n' || diag(format('    wanted: %s %s', p_state, coalesce(p_constraint, '')),
                                   format('       got: %s %s %s', coalesce(v_state, 'no error'),
                                          coalesce(v_con, ''), coalesce(v_msg, '')))
           END;
END;
$$;

-- targets ----------------------------------------------------------------------

SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source) VALUES ('192.0.2.300', 'manual')$$,
                       '22P02', NULL, 'targets: invalid address text is refused (22P02)');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source) VALUES ('not an address', 'manual')$$,
                       '22P02', NULL, 'targets: garbage address is refused (22P02)');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source) VALUES ('192.0.2.0/24', 'manual')$$,
                       '23514', 'targets_address_host', 'targets: an IPv4 network is not a target');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source) VALUES ('2001:db8::/64', 'manual')$$,
                       '23514', 'targets_address_host', 'targets: an IPv6 network is not a target');
SELECT lives_ok($$INSERT INTO pingsvc.targets (address, source) VALUES ('192.0.2.1', 'manual'),
                                                                      ('2001:db8::1', 'manual')$$,
                'targets: IPv4 and IPv6 host addresses are taken');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source) VALUES ('192.0.2.1', 'manual')$$,
                       '23505', 'targets_pkey', 'targets: an address is there once');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source) VALUES ('192.0.2.2', 'rumour')$$,
                       '23514', 'targets_source_check', 'targets: unknown source');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source, state) VALUES ('192.0.2.2', 'manual', 'sleepy')$$,
                       '23514', 'targets_state_check', 'targets: unknown state');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source, reliability) VALUES ('192.0.2.2', 'manual', 1.5)$$,
                       '23514', 'targets_reliability_check', 'targets: reliability above 1');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source, cooldown) VALUES ('192.0.2.2', 'manual', '0')$$,
                       '23514', 'targets_cooldown_check', 'targets: zero cooldown');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source, cooldown) VALUES ('192.0.2.2', 'manual', '-1 hour')$$,
                       '23514', 'targets_cooldown_check', 'targets: negative cooldown');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source, asn) VALUES ('192.0.2.2', 'manual', 4294967296)$$,
                       '23514', 'targets_asn_check', 'targets: AS number beyond 32 bits');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.targets (address, source, first_seen, last_seen)
                         VALUES ('192.0.2.2', 'manual', now(), now() - interval '1 day')$$,
                       '23514', 'targets_seen_order', 'targets: last_seen before first_seen');

-- workers ----------------------------------------------------------------------

SELECT lives_ok($$INSERT INTO pingsvc.workers (name, token_hash, caps, location, location_label)
                  VALUES ('fra-1', sha256('t'), '{icmp,udp,tcp}',
                          'SRID=4326;POINT(8.68 50.11)', 'Frankfurt, DE')$$,
                'workers: a well-formed worker is enrolled');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash) VALUES ('fra-1', sha256('u'))$$,
                       '23505', 'workers_name_key', 'workers: names are unique');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash) VALUES ('w2', '\x0102')$$,
                       '23514', 'workers_token_hash_check', 'workers: a token hash of the wrong length');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash) VALUES ('w2', convert_to(encode(sha256('t'), 'hex'), 'UTF8'))$$,
                       '23514', 'workers_token_hash_check', 'workers: a hex text is not a sha256 hash');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash) VALUES ('bad name!', sha256('t'))$$,
                       '23514', 'workers_name_check', 'workers: names keep to [A-Za-z0-9._-]');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash) VALUES ('atlas:1', sha256('t'))$$,
                       '23514', 'workers_name_check', 'workers: a name cannot pass for an Atlas probe');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash, caps) VALUES ('w2', sha256('t'), '{icmp,gre}')$$,
                       '23514', 'workers_caps_check', 'workers: unknown capability');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash, caps) VALUES ('w2', sha256('t'), '{icmp,NULL}')$$,
                       '23514', 'workers_caps_check', 'workers: NULL capability');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash, spool_depth) VALUES ('w2', sha256('t'), -1)$$,
                       '23514', 'workers_spool_depth_check', 'workers: negative spool depth');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.workers (name, token_hash, revoked_at) VALUES ('w2', sha256('t'), now())$$,
                       '23514', 'workers_revoked_disabled', 'workers: a revoked worker cannot stay enabled');

-- jobs -------------------------------------------------------------------------

SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap) VALUES ('dig', '192.0.2.1', 'icmp', 'icmp')$$,
                       '23514', 'jobs_kind_check', 'jobs: unknown kind');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state)
                         VALUES ('ping', '192.0.2.1', 'icmp', 'icmp', 'pending')$$,
                       '23514', 'jobs_state_check', 'jobs: unknown state');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap) VALUES ('ping', '192.0.2.0/25', 'icmp', 'icmp')$$,
                       '23514', 'jobs_target_host', 'jobs: a network is not a target');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap) VALUES ('traceroute', '192.0.2.1', 'sctp', 'icmp')$$,
                       '23514', 'jobs_proto_check', 'jobs: unknown protocol');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap) VALUES ('ping', '192.0.2.1', 'udp', 'udp')$$,
                       '23514', 'jobs_ping_proto', 'jobs: no UDP ping');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap) VALUES ('ping', '192.0.2.1', 'tcp', 'tcp')$$,
                       '23514', 'jobs_tcp_port', 'jobs: tcp needs a port');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, port, required_cap) VALUES ('ping', '192.0.2.1', 'tcp', 70000, 'tcp')$$,
                       '23514', 'jobs_port_check', 'jobs: port beyond 65535');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, paris_id) VALUES ('traceroute', '192.0.2.1', 'udp', 'udp', 65536)$$,
                       '23514', 'jobs_paris_id_check', 'jobs: paris_id beyond 16 bits');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, params) VALUES ('ping', '192.0.2.1', 'icmp', 'icmp', '[1]')$$,
                       '23514', 'jobs_params_check', 'jobs: params must be a JSON object');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, worker_id, leased_at)
                         SELECT 'ping', '192.0.2.1', 'icmp', 'icmp', 'leased', worker_id, now()
                           FROM pingsvc.workers WHERE name = 'fra-1'$$,
                       '23514', 'jobs_leased_complete', 'jobs: a leased job needs lease_expires');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, leased_at, lease_expires)
                         VALUES ('ping', '192.0.2.1', 'icmp', 'icmp', 'leased', now(), now() + interval '1 minute')$$,
                       '23514', 'jobs_leased_complete', 'jobs: a leased job needs a worker');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, worker_id, leased_at, lease_expires)
                         SELECT 'ping', '192.0.2.1', 'icmp', 'icmp', 'leased', worker_id, now(), now() - interval '1 minute'
                           FROM pingsvc.workers WHERE name = 'fra-1'$$,
                       '23514', 'jobs_leased_complete', 'jobs: a lease cannot end before it starts');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, lease_expires)
                         VALUES ('ping', '192.0.2.1', 'icmp', 'icmp', now())$$,
                       '23514', 'jobs_ready_unleased', 'jobs: a ready job holds no lease');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, worker_id)
                         SELECT 'ping', '192.0.2.1', 'icmp', 'icmp', 'done', worker_id FROM pingsvc.workers WHERE name = 'fra-1'$$,
                       '23514', 'jobs_done_complete', 'jobs: a done job has done_at');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, attempts, max_attempts)
                         VALUES ('ping', '192.0.2.1', 'icmp', 'icmp', 4, 3)$$,
                       '23514', 'jobs_attempts_bound', 'jobs: no more attempts than max_attempts');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, worker_id, leased_at, lease_expires)
                         VALUES ('ping', '192.0.2.1', 'icmp', 'icmp', 'leased', -1, now(), now() + interval '1 minute')$$,
                       '23503', 'jobs_worker_id_fkey', 'jobs: the leasing worker must exist');
SELECT lives_ok($$INSERT INTO pingsvc.jobs (kind, target, proto, required_cap, state, worker_id, leased_at, lease_expires, attempts)
                  SELECT 'traceroute', '2001:db8::1', 'icmp', 'icmp', 'leased', worker_id, now(), now() + interval '5 minutes', 1
                    FROM pingsvc.workers WHERE name = 'fra-1'$$,
                'jobs: a complete leased job is taken');

-- results and result_keys ------------------------------------------------------------

SELECT pg_temp.rejects($$INSERT INTO pingsvc.results (ts, type, af, target, body, source) VALUES (now(), 'ping', 6, '192.0.2.1', '{}', 'atlas')$$,
                       '23514', 'results_af_family', 'results: af must match the target''s family');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.results (ts, type, af, target, body, source) VALUES (now(), 'dns', 4, '192.0.2.1', '{}', 'atlas')$$,
                       '23514', 'results_type_check', 'results: unknown type');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.results (ts, type, af, target, body) VALUES (now(), 'ping', 4, '192.0.2.1', '{}')$$,
                       '23514', 'results_own_have_worker', 'results: our own results name their worker');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.results (ts, type, af, target, body, source) VALUES (now(), 'ping', 4, '192.0.2.1', '[]', 'atlas')$$,
                       '23514', 'results_body_check', 'results: the body is a JSON object');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.results (ts, type, af, target, source) VALUES (now(), 'ping', 4, '192.0.2.1', 'atlas')$$,
                       '23502', NULL, 'results: the body is required');
SELECT lives_ok($$INSERT INTO pingsvc.results (ts, type, af, target, body, source, idem_key)
                  VALUES (now(), 'ping', 6, '2001:db8::1', '{"type": "ping"}', 'atlas', '7000001:1001:1764000000')$$,
                'results: a well-formed imported result is taken');
SELECT lives_ok($$INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts) VALUES ('atlas', 'k', 1, now())$$,
                'result_keys: a key is registered');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts) VALUES ('atlas', 'k', 2, now())$$,
                       '23505', 'result_keys_pkey', 'result_keys: the same key twice in one namespace');
SELECT lives_ok($$INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts) VALUES ('worker:1', 'k', 3, now())$$,
                'result_keys: the same key in another namespace is another result');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts) VALUES ('Worker 1', 'k', 4, now())$$,
                       '23514', 'result_keys_namespace_check', 'result_keys: malformed namespace');

-- traces -----------------------------------------------------------------------

SELECT lives_ok($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, paris_id, path, reached, reached_ttl, source)
                  VALUES (1, 'atlas:1001', '203.0.113.9', now(), 'icmp', 1, '{192.0.2.1,NULL,203.0.113.9}', true, 3, 'atlas')$$,
                'traces: a well-formed trace is taken');
SELECT is((SELECT hop_count FROM pingsvc.traces WHERE vantage = 'atlas:1001'), 3::smallint,
          'traces: hop_count is computed from the path');
SELECT is((SELECT path_hash FROM pingsvc.traces WHERE vantage = 'atlas:1001'),
          sha256('192.0.2.1,*,203.0.113.9'::bytea),
          'traces: path_hash is the sha256 of the path text with * for no reply');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, source)
                         VALUES (1, 'atlas:1001', '203.0.113.9', now(), 'icmp', '{192.0.2.0/24,203.0.113.9}', false, 'atlas')$$,
                       '23514', 'traces_path_hosts', 'traces: a network in the path');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, source)
                         VALUES (1, 'atlas:1001', '203.0.113.9', now(), 'icmp', '{}', false, 'atlas')$$,
                       '23514', 'traces_path_hosts', 'traces: an empty path');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, source)
                         SELECT 1, 'atlas:1001', '203.0.113.9', now(), 'icmp', array_fill(NULL::inet, ARRAY[256]), false, 'atlas'$$,
                       '23514', 'traces_path_hosts', 'traces: a path longer than 255 TTLs');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, source)
                         VALUES (1, 'atlas:1001', '203.0.113.9', now(), 'icmp', '{192.0.2.1}', true, 'atlas')$$,
                       '23514', 'traces_reached_ttl', 'traces: reached needs reached_ttl');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached, reached_ttl, source)
                         VALUES (1, 'atlas:1001', '203.0.113.9', now(), 'icmp', '{192.0.2.1}', true, 5, 'atlas')$$,
                       '23514', 'traces_reached_ttl', 'traces: reached_ttl beyond the path');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached)
                         VALUES (1, 'atlas:1001', '203.0.113.9', now(), 'icmp', '{192.0.2.1}', false)$$,
                       '23514', 'traces_vantage_source', 'traces: an atlas vantage on a pingsvc trace');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.traces (result_id, vantage, target, ts, proto, path, reached)
                         VALUES (1, 'fra 1', '203.0.113.9', now(), 'icmp', '{192.0.2.1}', false)$$,
                       '23514', 'traces_vantage_check', 'traces: malformed vantage');

-- hops -------------------------------------------------------------------------

SELECT lives_ok($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms, reply_ttl, size, mpls, icmp_type, icmp_code)
                  VALUES (1, now(), 1, 0, '192.0.2.1', 0.42, 255, 68,
                          '[{"label": 16, "exp": 0, "s": 1, "ttl": 1}]', 11, 0)$$,
                'hops: a well-formed hop is taken');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms) VALUES (1, now(), 1, 0, '192.0.2.1', 0.5)$$,
                       '23505', NULL, 'hops: one row per (trace, ttl, probe)');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms) VALUES (1, now(), 2, 0, '192.0.2.2', -0.1)$$,
                       '23514', 'hops_rtt_ms_check', 'hops: a negative RTT');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms) VALUES (1, now(), 2, 0, '192.0.2.2', 60000)$$,
                       '23514', 'hops_rtt_ms_check', 'hops: an RTT of a minute');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, rtt_ms) VALUES (1, now(), 2, 0, '192.0.2.2', 'NaN')$$,
                       '23514', 'hops_rtt_ms_check', 'hops: a NaN RTT');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address) VALUES (1, now(), 0, 0, '192.0.2.2')$$,
                       '23514', 'hops_ttl_check', 'hops: TTL 0');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address) VALUES (1, now(), 300, 0, '192.0.2.2')$$,
                       '23514', 'hops_ttl_check', 'hops: TTL 300');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address, reply_ttl) VALUES (1, now(), 2, 0, '192.0.2.2', 256)$$,
                       '23514', 'hops_reply_ttl_check', 'hops: reply TTL 256');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address) VALUES (1, now(), 2, 0, NULL)$$,
                       '23502', NULL, 'hops: an address is required');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.hops (trace_id, ts, ttl, probe, address) VALUES (1, now(), 2, 0, '192.0.2.0/31')$$,
                       '23514', 'hops_address_host', 'hops: a network is not a hop');

-- links ------------------------------------------------------------------------

SELECT pg_temp.rejects($$INSERT INTO pingsvc.links (near, far, first_seen, last_seen) VALUES ('192.0.2.1', '192.0.2.1', now(), now())$$,
                       '23514', 'links_distinct', 'links: no link from an address to itself');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.links (near, far, first_seen, last_seen) VALUES ('192.0.2.1', '2001:db8::1', now(), now())$$,
                       '23514', 'links_same_family', 'links: no link across address families');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.links (near, far, first_seen, last_seen) VALUES ('192.0.2.1', '192.0.2.2', now(), now() - interval '1 s')$$,
                       '23514', 'links_seen_order', 'links: last_seen before first_seen');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.links (near, far, first_seen, last_seen, times_seen) VALUES ('192.0.2.1', '192.0.2.2', now(), now(), 0)$$,
                       '23514', 'links_times_seen_check', 'links: seen zero times');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.links (near, far, first_seen, last_seen, rtt_diff_count) VALUES ('192.0.2.1', '192.0.2.2', now(), now(), 1)$$,
                       '23514', 'links_rtt_stats', 'links: RTT statistics without values');
SELECT lives_ok($$INSERT INTO pingsvc.links (near, far, first_seen, last_seen, times_seen,
                                            rtt_diff_min_ms, rtt_diff_max_ms, rtt_diff_sum_ms, rtt_diff_count)
                  VALUES ('192.0.2.1', '192.0.2.2', now(), now(), 2, -0.5, 1.5, 1.0, 2)$$,
                'links: a well-formed link is taken');
SELECT is((SELECT rtt_diff_avg_ms FROM pingsvc.links WHERE near = '192.0.2.1' AND far = '192.0.2.2'), 0.5::double precision,
          'links: the average RTT difference is computed');

-- route_changes ----------------------------------------------------------------

SELECT lives_ok($$INSERT INTO pingsvc.route_changes (vantage, target, proto, paris_id, detected_at, last_old_at,
                      old_path, new_path, old_reached, new_reached, diverge_ttl, rejoin_ttl, kind, changed_hops)
                  VALUES ('fra-1', '203.0.113.9', 'icmp', 1, now(), now() - interval '15 minutes',
                          '{192.0.2.1,192.0.2.2,203.0.113.9}', '{192.0.2.1,192.0.2.5,203.0.113.9}',
                          true, true, 2, 3, 'hop', '{192.0.2.5}')$$,
                'route_changes: a well-formed change is taken');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.route_changes (vantage, target, proto, detected_at, old_path, new_path,
                             old_reached, new_reached, diverge_ttl, kind)
                         VALUES ('fra-1', '203.0.113.9', 'icmp', now(), '{192.0.2.1}', '{192.0.2.2}', true, true, 1, 'flap')$$,
                       '23514', 'route_changes_kind_check', 'route_changes: unknown kind');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.route_changes (vantage, target, proto, detected_at, old_path, new_path,
                             old_reached, new_reached, diverge_ttl, kind)
                         VALUES ('fra-1', '203.0.113.9', 'icmp', now(), '{192.0.2.1}', '{192.0.2.2}', true, false, 1, 'hop')$$,
                       '23514', 'route_changes_kind_reach', 'route_changes: a change of reachability is kind reachability');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.route_changes (vantage, target, proto, detected_at, old_path, new_path,
                             old_reached, new_reached, diverge_ttl, rejoin_ttl, kind)
                         VALUES ('fra-1', '203.0.113.9', 'icmp', now(), '{192.0.2.1}', '{192.0.2.2}', true, true, 3, 2, 'hop')$$,
                       '23514', 'route_changes_rejoin_after', 'route_changes: rejoin before divergence');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.route_changes (vantage, target, proto, detected_at, old_path, new_path,
                             old_reached, new_reached, diverge_ttl, kind)
                         VALUES ('fra-1', '203.0.113.9', 'icmp', now(), '{192.0.2.1}', '{192.0.2.2}', true, true, 0, 'hop')$$,
                       '23514', 'route_changes_diverge_ttl_check', 'route_changes: diverge TTL 0');

-- geolocations, partition_config ---------------------------------------------------------

SELECT pg_temp.rejects($$INSERT INTO pingsvc.geolocations (prefix, location, country, source)
                         VALUES ('192.0.2.0/24', 'SRID=4326;POINT(8.68 50.11)', 'de', 'test')$$,
                       '23514', 'geolocations_country_check', 'geolocations: country codes are upper case');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.geolocations (prefix, location, source)
                         VALUES ('192.0.2.1/24', 'SRID=4326;POINT(8.68 50.11)', 'test')$$,
                       '22P02', NULL, 'geolocations: a prefix with host bits set');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.partition_config (parent, granularity) VALUES ('links', '2 days')$$,
                       '23514', 'partition_config_granularity_check', 'partition_config: unsupported granularity');
SELECT pg_temp.rejects($$INSERT INTO pingsvc.partition_config (parent, granularity, retention) VALUES ('links', '7 days', '1 day')$$,
                       '23514', 'partition_config_retention_granularity', 'partition_config: retention shorter than a partition');

-- helper functions ---------------------------------------------------------------

SELECT is(pingsvc.is_host_address('192.0.2.1'), true, 'is_host_address: an IPv4 host');
SELECT is(pingsvc.is_host_address('2001:db8::/32'), false, 'is_host_address: an IPv6 network');

SELECT * FROM finish();
ROLLBACK;
