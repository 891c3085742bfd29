-- pingsvc.schedule_cycle, version 3 (migration 0016): as version 2
-- (functions/schedule_cycle_v2.sql, 0011), with Doubletree stop sets
-- (Donnet et al., SIGMETRICS 2005) on discovery traceroutes and one more
-- parameter, p_stop_sets (default on).
--
-- A traceroute job is a discovery trace when its vantage has never traced
-- the target (no pingsvc.traces row for the pair): its params get
-- "stop_set", the global stop set for the target: the addresses that
-- answered on the newest trace of each other vantage to it within the
-- last 7 days (not the target itself, no '*'), at most 32, those nearest
-- the target first (paths converge towards their destination, so those
-- are the likeliest meeting points).  The worker ends such a trace at the
-- first hop answering from one of them (stop_reason "GSS"); the path
-- beyond it is known already.  Re-traces of a pair, on which route change
-- detection depends, never get one, nor does any job when p_stop_sets is
-- false or no other vantage traced the target yet.  Version 2's rules
-- apply unchanged otherwise:
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
    -- Picked targets some vantage traced within 7 days: only their
    -- traceroutes can get a stop set.  One probe of traces_target_ts_idx
    -- per target (not per job), and none when p_stop_sets is off.
    known AS MATERIALIZED (
        SELECT p.address
          FROM picked p
         WHERE p_stop_sets
           AND (p.state = 'responsive' OR p.new_hop)
           AND EXISTS (SELECT 1 FROM pingsvc.traces t
                        WHERE t.target = p.address
                          AND t.ts >= now() - interval '7 days')),
    traces AS (
        INSERT INTO pingsvc.jobs (kind, target, proto, port, paris_id, required_cap,
                                  priority, worker_id, params)
        SELECT 'traceroute', v.address, v.proto,
               CASE v.proto WHEN 'tcp' THEN p_tcp_port WHEN 'udp' THEN 33434 END,
               (hashtextextended(v.name || '/' || host(v.address), 1) & 65535)::integer,
               v.proto, CASE WHEN v.new_hop THEN 50 ELSE 10 END, v.worker_id,
               jsonb_build_object('vantage', v.name)
               || CASE WHEN s.stop_set IS NOT NULL
                       THEN jsonb_build_object('stop_set', s.stop_set)
                       ELSE '{}'::jsonb END
          FROM vantage v
          LEFT JOIN known k ON k.address = v.address
          -- A discovery trace (the pair was never traced: an index probe
          -- of traces_flow_idx) of a known target: the other vantages'
          -- newest paths (traces_target_ts_idx).  CASE evaluates the
          -- subqueries only for such jobs.
          CROSS JOIN LATERAL (
               SELECT CASE WHEN k.address IS NOT NULL
                            AND NOT EXISTS (SELECT 1 FROM pingsvc.traces o
                                             WHERE o.vantage = v.name
                                               AND o.target = v.address)
                      THEN (SELECT jsonb_agg(host(d.address) ORDER BY d.dist, d.address)
                              FROM (SELECT h.address, min(h.dist) AS dist
                                      FROM (SELECT DISTINCT ON (t.vantage) t.path
                                              FROM pingsvc.traces t
                                             WHERE t.target = v.address
                                               AND t.vantage <> v.name
                                               AND t.ts >= now() - interval '7 days'
                                             ORDER BY t.vantage, t.ts DESC) n
                                     CROSS JOIN LATERAL (
                                           SELECT a.address,
                                                  cardinality(n.path) - a.ttl AS dist
                                             FROM unnest(n.path) WITH ORDINALITY
                                                  AS a (address, ttl)) h
                                     WHERE h.address IS NOT NULL
                                       AND h.address <> v.address
                                     GROUP BY h.address
                                     ORDER BY min(h.dist), h.address
                                     LIMIT 32) d)
                      END AS stop_set) s
        RETURNING 1)
    SELECT (SELECT count(*) FROM bumped), (SELECT count(*) FROM pings),
           (SELECT count(*) FROM traces), (SELECT count(*) FROM skip)
      INTO targets, ping_jobs, trace_jobs, skipped;

    RETURN NEXT;
END
$cycle$;

COMMENT ON FUNCTION pingsvc.schedule_cycle(integer, integer, integer, cidr[], interval, integer, boolean) IS
    'One frontier round: requeue expired leases (failed after max_attempts), pick due targets (budget per cycle and per /24 or /48, new hops first, never opted-out, special-purpose or bogon (special_ranges) unless p_allow), enqueue a ping each and traceroutes from up to p_vantages distinct online workers (TCP for workers without ICMP), push next_due by the cooldown.  Discovery traceroutes (a vantage that never traced the target) carry params.stop_set, the addresses other vantages saw on their newest paths to it (Doubletree global stop set, at most 32), unless p_stop_sets is false.  Returns (requeued, failed, targets, ping_jobs, trace_jobs, skipped).';

REVOKE ALL ON FUNCTION pingsvc.schedule_cycle(integer, integer, integer, cidr[], interval, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pingsvc.schedule_cycle(integer, integer, integer, cidr[], interval, integer, boolean)
    TO pingsvc_frontier;
