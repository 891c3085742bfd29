-- pingsvc.schedule_cycle, version 3 (migration 0016): as version 2
-- (functions/schedule_cycle_v2.sql, 0011), with Doubletree stop sets
-- (Donnet et al., SIGMETRICS 2005) on discovery traceroutes and one more
-- parameter, p_stop_sets (default on).
--
-- A traceroute job is a discovery trace when its vantage is not among the
-- vantages of the target's newest 3 x p_vantages traces of our own (source
-- 'pingsvc') of the last 7 days, and some other vantage is: a vantage that
-- never traced the target, or not for several cycles (each cycle traces a
-- target from the same p_vantages vantages while they stay online, so the
-- newest 3 x p_vantages traces are those of the last three rounds).  Its
-- params get "stop_set", the global stop set for the target: the
-- addresses that answered on the newest of those traces of each other
-- vantage (not the target itself, no '*'), at most 32, those nearest the
-- target first (paths converge towards their destination, so those are
-- the likeliest meeting points).  The worker ends such a trace at the
-- first hop answering from one of them (stop_reason "GSS"); the path
-- beyond it is known already.  Re-traces of a pair, on which route change
-- detection depends, never get one (the pair's traces, stopped ones too,
-- are among the newest), nor does any job when p_stop_sets is false or no
-- other vantage traced the target.  Cost: one index range scan of at most
-- 3 x p_vantages rows per picked target that gets traceroutes, no query
-- per job.  Version 2's rules apply unchanged otherwise:
--
-- pingsvc.schedule_cycle: one scheduling round of the frontier.
--
--  1. Expired leases: a leased job whose lease_expires has passed goes back
--     to 'ready' (its attempts, counted at each lease, stay), or to 'failed'
--     once attempts reached max_attempts.
--  2. Due targets: next_due <= now(), not opted_out (state or an opt_outs
--     prefix), not special-purpose unless p_allow covers them, and without
--     an open (ready or leased) job.  At most p_prefix_budget per /24 (IPv4)
--     or /48 (IPv6) and p_budget in all; new hop targets (source 'hop',
--     state 'new') first, then the longest overdue (stalest) ones.  Only
--     the 4 x p_budget most urgent new hops and as many other due targets
--     are considered (read from partial indexes on next_due, not the whole
--     table); a cycle picks fewer than p_budget only when those crowd into
--     few prefixes, and the next cycle goes on.  Considered targets that may
--     not be probed are "skipped": inside an opt-out they become opted_out,
--     special-purpose ones get next_due = now() + cooldown, so they do not
--     hold the head of the queue.  Special-purpose: frontier_special_purpose()
--     says so, or the most specific special_ranges row holding the address
--     (bogons included) is not globally reachable.
--  3. For each picked target one ping job (ICMP; TCP to p_tcp_port when the
--     only online workers lack ICMP) and, for responsive targets and new
--     hops, traceroute jobs from up to p_vantages distinct online workers
--     (enabled, seen within p_worker_online, with a probe capability),
--     chosen per target by a stable hash so that load spreads and each
--     (vantage, target) pair keeps one Paris flow id.  A worker with ICMP
--     traces with ICMP; one without gets TCP to p_tcp_port (UDP if it has
--     only UDP).  Traceroute jobs name their vantage in worker_id and in
--     params.vantage.  Priorities: new hops 100 (ping) / 50 (trace), other
--     traces 10, other pings 0.
--  4. next_due = now() + cooldown for every picked target.
--
-- Returns one row of counts (skipped: considered but not probeable).
--
-- Concurrency: one caller at a time, by a transaction-level advisory lock
-- taken with pg_try_advisory_xact_lock; a concurrent call returns zeros at
-- once instead of scheduling the same targets twice.  Expired leases are
-- picked FOR UPDATE SKIP LOCKED, so a gateway completing a job at this
-- moment is never waited on (its job is handled next cycle).  Target rows
-- are updated (row locks to commit); gateways only touch their last_seen
-- and last_probed, briefly.


CREATE OR REPLACE FUNCTION pingsvc.schedule_cycle(
    p_budget         integer,
    p_prefix_budget  integer  DEFAULT 4,
    p_vantages       integer  DEFAULT 3,
    p_allow          cidr[]   DEFAULT '{}',
    p_worker_online  interval DEFAULT '5 minutes',
    p_tcp_port       integer  DEFAULT 443,
    p_stop_sets      boolean  DEFAULT true)
RETURNS TABLE (requeued integer, failed integer, targets integer,
               ping_jobs integer, trace_jobs integer, skipped integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $cycle$
DECLARE
    v_ping_proto text;
BEGIN
    requeued := 0; failed := 0; targets := 0; ping_jobs := 0; trace_jobs := 0;
    skipped := 0;
    IF p_budget < 0 OR p_prefix_budget < 1 OR p_vantages < 0
       OR p_tcp_port NOT BETWEEN 1 AND 65535 THEN
        RAISE EXCEPTION 'schedule_cycle: bad budget, vantages or port'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtextextended('pingsvc.schedule_cycle', 0)) THEN
        RETURN NEXT;
        RETURN;
    END IF;

    WITH expired AS (
        SELECT j.job_id
          FROM pingsvc.jobs j
         WHERE j.state = 'leased' AND j.lease_expires <= now()
           FOR UPDATE SKIP LOCKED),
    moved AS (
        UPDATE pingsvc.jobs j
           SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'ready' END,
               leased_at = NULL,
               lease_expires = NULL,
               done_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
               last_error = 'lease expired'
          FROM expired e
         WHERE j.job_id = e.job_id
        RETURNING j.state)
    SELECT count(*) FILTER (WHERE m.state = 'ready'),
           count(*) FILTER (WHERE m.state = 'failed')
      INTO requeued, failed
      FROM moved m;

    -- Pings go by ICMP unless every online worker lacks it.
    SELECT CASE WHEN bool_or('icmp' = ANY (w.caps)) OR NOT bool_or('tcp' = ANY (w.caps))
                     OR count(*) = 0
                THEN 'icmp' ELSE 'tcp' END
      INTO v_ping_proto
      FROM pingsvc.workers w
     WHERE w.enabled AND w.last_seen >= now() - p_worker_online;

    WITH online AS MATERIALIZED (
        SELECT w.worker_id, w.name, w.caps
          FROM pingsvc.workers w
         WHERE w.enabled
           AND w.last_seen >= now() - p_worker_online
           AND w.caps && ARRAY['icmp', 'udp', 'tcp']),
    -- The most urgent due targets, read in next_due order from the two
    -- partial indexes of 0006 (targets_new_hop_due_idx, targets_due_idx),
    -- never the whole table: 4 x p_budget new hops and as many others.
    cand AS MATERIALIZED (
        (SELECT t.address, t.state, t.next_due, true AS new_hop
           FROM pingsvc.targets t
          WHERE t.source = 'hop' AND t.state = 'new' AND t.next_due <= now()
          ORDER BY t.next_due
          LIMIT 4::bigint * p_budget)
        UNION ALL
        (SELECT t.address, t.state, t.next_due, false
           FROM pingsvc.targets t
          WHERE t.state <> 'opted_out' AND t.next_due <= now()
            AND NOT (t.source = 'hop' AND t.state = 'new')
          ORDER BY t.next_due
          LIMIT 4::bigint * p_budget)),
    judged AS MATERIALIZED (
        SELECT c.*,
               EXISTS (SELECT 1 FROM pingsvc.opt_outs o
                        WHERE o.prefix >>= c.address) AS opted,
               (NOT coalesce(c.address <<= ANY (p_allow), false)
                AND (pingsvc.frontier_special_purpose(c.address)
                     -- The most specific special range holding the address
                     -- is not globally reachable: a refusing row with no
                     -- reachable row inside it around the address.  Two
                     -- EXISTS probes of the GiST index, cheaper than
                     -- sorting the matches per candidate (200,000
                     -- candidates against 130,000 bogon rows).
                     OR EXISTS (SELECT 1 FROM pingsvc.special_ranges s
                                 WHERE s.prefix >>= c.address
                                   AND NOT s.globally_reachable
                                   AND NOT EXISTS (
                                       SELECT 1 FROM pingsvc.special_ranges g
                                        WHERE g.prefix >>= c.address
                                          AND g.globally_reachable
                                          AND masklen(g.prefix) > masklen(s.prefix))))) AS special,
               EXISTS (SELECT 1 FROM pingsvc.jobs j
                        WHERE j.target = c.address
                          AND j.state IN ('ready', 'leased')) AS busy
          FROM cand c),
    ranked AS (
        SELECT j.address, j.state, j.next_due, j.new_hop,
               row_number() OVER (
                   PARTITION BY network(set_masklen(j.address::cidr,
                                        CASE family(j.address) WHEN 4 THEN 24 ELSE 48 END))
                   ORDER BY j.new_hop DESC, j.next_due, j.address) AS rn
          FROM judged j
         WHERE NOT (j.opted OR j.special OR j.busy)),
    picked AS MATERIALIZED (
        SELECT r.address, r.state, r.new_hop
          FROM ranked r
         WHERE r.rn <= p_prefix_budget
         ORDER BY r.new_hop DESC, r.next_due, r.address
         LIMIT p_budget),
    -- Candidates that may not be probed leave the head of the queue:
    -- inside an opt-out they become opted_out for good, special-purpose
    -- ones wait a cooldown (an allow list may cover them later).
    skip AS (
        UPDATE pingsvc.targets t
           SET state = CASE WHEN j.opted THEN 'opted_out' ELSE t.state END,
               next_due = now() + t.cooldown
          FROM judged j
         WHERE t.address = j.address AND (j.opted OR j.special)
        RETURNING 1),
    bumped AS (
        UPDATE pingsvc.targets t
           SET next_due = now() + t.cooldown
          FROM picked p
         WHERE t.address = p.address
        RETURNING 1),
    pings AS (
        INSERT INTO pingsvc.jobs (kind, target, proto, port, required_cap, priority, params)
        SELECT 'ping', p.address, v_ping_proto,
               CASE WHEN v_ping_proto = 'tcp' THEN p_tcp_port END,
               v_ping_proto, CASE WHEN p.new_hop THEN 100 ELSE 0 END,
               jsonb_build_object('count', 3)
          FROM picked p
        RETURNING 1),
    vantage AS (
        SELECT p.address, p.new_hop, v.worker_id, v.name,
               CASE WHEN 'icmp' = ANY (v.caps) THEN 'icmp'
                    WHEN 'tcp' = ANY (v.caps) THEN 'tcp'
                    ELSE 'udp' END AS proto
          FROM picked p
         CROSS JOIN LATERAL (
               SELECT o.worker_id, o.name, o.caps
                 FROM online o
                ORDER BY hashtextextended(host(p.address) || '/' || o.name, 0), o.worker_id
                LIMIT p_vantages) v
         WHERE p.state = 'responsive' OR p.new_hop),
    -- Stop sets, set-based, per picked target that gets traceroutes (never
    -- a query per job): its newest 3 x p_vantages traces of our own
    -- (source 'pingsvc') of the last 7 days, one index range scan of
    -- traces_target_ts_idx each (LATERAL ... LIMIT, so never a hash join
    -- over 7 days of traces; the upper bound leaves the partitions made
    -- ahead of time out); none when p_stop_sets is off.
    dt_recent AS MATERIALIZED (
        SELECT p.address, r.vantage, r.path, r.ts
          FROM picked p
         CROSS JOIN LATERAL (
               SELECT t.vantage, t.path, t.ts
                 FROM pingsvc.traces t
                WHERE t.target = p.address
                  AND t.ts >= now() - interval '7 days'
                  AND t.ts <= now()
                  AND t.source = 'pingsvc'
                ORDER BY t.ts DESC
                LIMIT 3 * p_vantages) r
         WHERE p_stop_sets
           AND (p.state = 'responsive' OR p.new_hop)),
    -- The newest path of each of those vantages; its answering addresses
    -- but the target, each at its least distance from the end of a path.
    dt_hops AS (
        SELECT n.address, h.hop, min(cardinality(n.path) - h.ttl) AS dist
          FROM (SELECT DISTINCT ON (r.address, r.vantage) r.address, r.path
                  FROM dt_recent r
                 ORDER BY r.address, r.vantage, r.ts DESC) n
         CROSS JOIN LATERAL unnest(n.path) WITH ORDINALITY AS h (hop, ttl)
         WHERE h.hop IS NOT NULL AND h.hop <> n.address
         GROUP BY n.address, h.hop),
    -- Per target: who traced it recently, and the stop set (at most 32,
    -- nearest the target first).
    dt_sets AS MATERIALIZED (
        SELECT v.address, v.vantages, s.stop_set
          FROM (SELECT r.address, array_agg(DISTINCT r.vantage) AS vantages
                  FROM dt_recent r
                 GROUP BY r.address) v
          JOIN (SELECT k.address, jsonb_agg(host(k.hop) ORDER BY k.dist, k.hop) AS stop_set
                  FROM (SELECT d.*, row_number() OVER (PARTITION BY d.address
                                                       ORDER BY d.dist, d.hop) AS rn
                          FROM dt_hops d) k
                 WHERE k.rn <= 32
                 GROUP BY k.address) s ON s.address = v.address),
    traces AS (
        INSERT INTO pingsvc.jobs (kind, target, proto, port, paris_id, required_cap,
                                  priority, worker_id, params)
        SELECT 'traceroute', v.address, v.proto,
               CASE v.proto WHEN 'tcp' THEN p_tcp_port WHEN 'udp' THEN 33434 END,
               (hashtextextended(v.name || '/' || host(v.address), 1) & 65535)::integer,
               v.proto, CASE WHEN v.new_hop THEN 50 ELSE 10 END, v.worker_id,
               jsonb_build_object('vantage', v.name)
               -- A discovery trace: this vantage is not among those of the
               -- target's recent traces, other vantages are.
               || CASE WHEN s.address IS NOT NULL AND NOT v.name = ANY (s.vantages)
                       THEN jsonb_build_object('stop_set', s.stop_set)
                       ELSE '{}'::jsonb END
          FROM vantage v
          LEFT JOIN dt_sets s ON s.address = v.address
        RETURNING 1)
    SELECT (SELECT count(*) FROM bumped), (SELECT count(*) FROM pings),
           (SELECT count(*) FROM traces), (SELECT count(*) FROM skip)
      INTO targets, ping_jobs, trace_jobs, skipped;

    RETURN NEXT;
END
$cycle$;

COMMENT ON FUNCTION pingsvc.schedule_cycle(integer, integer, integer, cidr[], interval, integer, boolean) IS
    'One frontier round: requeue expired leases (failed after max_attempts), pick due targets (budget per cycle and per /24 or /48, new hops first, never opted-out, special-purpose or bogon (special_ranges) unless p_allow), enqueue a ping each and traceroutes from up to p_vantages distinct online workers (TCP for workers without ICMP), push next_due by the cooldown.  Discovery traceroutes (a vantage not among those of the target''s recent traces) carry params.stop_set, the addresses other vantages saw on their newest paths to it (Doubletree global stop set, at most 32), unless p_stop_sets is false.  Returns (requeued, failed, targets, ping_jobs, trace_jobs, skipped).';

REVOKE ALL ON FUNCTION pingsvc.schedule_cycle(integer, integer, integer, cidr[], interval, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.schedule_cycle(integer, integer, integer, cidr[], interval, integer, boolean)
    TO pingsvc_frontier;
