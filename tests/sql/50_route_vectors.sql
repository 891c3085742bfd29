-- 50_route_vectors.sql: the route-change test vectors of
-- ../shared/data/route-changes/ (RIPE Atlas traceroutes, one history per
-- dst_addr) go through process_results() as an importer would store them,
-- and pingsvc.route_changes then holds exactly the expected changes: per
-- dst_addr the count and, where given, diverge_ttl, rejoin_ttl and kind.
-- Done twice: all results in one batch, then one result per call in time
-- order (incremental detection must find the same).  The data directory is
-- $PINGSVC_DATA (tests/run-checks sets it), else ../shared/data beside the
-- repository.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

CREATE TEMP TABLE t_raw (line text) ON COMMIT DROP;
\copy t_raw FROM PROGRAM 'cat "${PINGSVC_DATA:-${PINGSVC_ROOT:-.}/../shared/data}/route-changes/route-change-vectors.jsonl"' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
\set expected_json `cat "${PINGSVC_DATA:-${PINGSVC_ROOT:-.}/../shared/data}/route-changes/route-change-expected.json"`

-- Expected changes, one row per change (n = its position in time), and the
-- number per target.
CREATE TEMP TABLE t_expected ON COMMIT DROP AS
SELECT e.key::inet AS target, c.n::integer AS n,
       (c.chg ->> 'diverge_ttl')::smallint AS diverge_ttl,
       (c.chg ->> 'rejoin_ttl')::smallint AS rejoin_ttl,
       c.chg ->> 'kind' AS kind,
       c.chg ? 'diverge_ttl' AS has_diverge, c.chg ? 'rejoin_ttl' AS has_rejoin, c.chg ? 'kind' AS has_kind
  FROM jsonb_each(:'expected_json'::jsonb) AS e
  CROSS JOIN LATERAL jsonb_array_elements(e.value -> 'changes') WITH ORDINALITY AS c(chg, n);
CREATE TEMP TABLE t_expected_count ON COMMIT DROP AS
SELECT e.key::inet AS target, e.value ->> 'vector' AS vector,
       jsonb_array_length(e.value -> 'changes') AS changes
  FROM jsonb_each(:'expected_json'::jsonb) AS e;

SELECT plan(2 + 2 * (2 + 2 * (SELECT count(*)::integer FROM t_expected_count)) + 6);

SELECT is((SELECT count(*) FROM t_raw), 54::bigint, 'the 54 vector traceroutes are read');
SELECT is((SELECT count(*) FROM t_expected_count), 8::bigint, 'expectations for 8 targets are read');

CREATE TEMP TABLE t_parts ON COMMIT DROP AS
SELECT * FROM pingsvc.ensure_partitions('2025-11-24', '2025-11-25');

INSERT INTO pingsvc.results (ts, type, af, target, body, source, idem_key)
SELECT to_timestamp((j ->> 'timestamp')::bigint), j ->> 'type', (j ->> 'af')::smallint,
       (j ->> 'dst_addr')::inet, j, 'atlas',
       concat_ws(':', j ->> 'msm_id', j ->> 'prb_id', j ->> 'dst_addr', j ->> 'timestamp')
  FROM (SELECT line::jsonb AS j FROM t_raw) AS s;
INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts)
SELECT 'atlas', idem_key, result_id, ts FROM pingsvc.results WHERE source = 'atlas';

-- check_changes: the tests comparing route_changes with the expectations.
CREATE FUNCTION pg_temp.check_changes(p_label text)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
    SELECT is((SELECT count(*) FROM pingsvc.route_changes r WHERE r.target = x.target),
              x.changes::bigint,
              format('%s: %s (%s) has %s lasting change(s)', p_label, x.target, x.vector, x.changes))
      FROM t_expected_count x ORDER BY x.target;
    RETURN QUERY
    SELECT is(ARRAY(SELECT format('#%s diverge=%s rejoin=%s kind=%s', e.n,
                                  CASE WHEN e.has_diverge THEN r.diverge_ttl::text ELSE '-' END,
                                  CASE WHEN e.has_rejoin THEN coalesce(r.rejoin_ttl::text, 'null') ELSE '-' END,
                                  CASE WHEN e.has_kind THEN r.kind ELSE '-' END)
                      FROM t_expected e
                      LEFT JOIN (SELECT rc.*, row_number() OVER (ORDER BY rc.detected_at) AS n
                                   FROM pingsvc.route_changes rc WHERE rc.target = x.target) AS r
                             ON r.n = e.n
                     WHERE e.target = x.target ORDER BY e.n),
              ARRAY(SELECT format('#%s diverge=%s rejoin=%s kind=%s', e.n,
                                  CASE WHEN e.has_diverge THEN e.diverge_ttl::text ELSE '-' END,
                                  CASE WHEN e.has_rejoin THEN coalesce(e.rejoin_ttl::text, 'null') ELSE '-' END,
                                  CASE WHEN e.has_kind THEN e.kind ELSE '-' END)
                      FROM t_expected e WHERE e.target = x.target ORDER BY e.n),
              format('%s: %s (%s) changes have the expected diverge_ttl, rejoin_ttl, kind',
                     p_label, x.target, x.vector))
      FROM t_expected_count x ORDER BY x.target;
END;
$$;

-- One batch --------------------------------------------------------------------

SELECT results_eq($$SELECT traces, route_changes
                      FROM pingsvc.process_results(ARRAY(SELECT result_id FROM pingsvc.results
                                                          WHERE source = 'atlas'))$$,
                  $$VALUES (54, 5)$$,
                  'one batch: 54 traces, 5 route changes');
SELECT is((SELECT count(*) FROM pingsvc.flows), 9::bigint,
          'one batch: 9 flows (ecmp-two-flows is two paris_ids)');
SELECT * FROM pg_temp.check_changes('one batch');

CREATE TEMP TABLE t_batch ON COMMIT DROP AS
SELECT vantage, target, proto, paris_id, detected_at, last_old_at, old_path, new_path,
       diverge_ttl, rejoin_ttl, kind, changed_hops
  FROM pingsvc.route_changes;

-- One result per call, in time order -------------------------------------------

TRUNCATE pingsvc.route_changes, pingsvc.flows, pingsvc.flow_paths, pingsvc.links;
DELETE FROM pingsvc.hops;
DELETE FROM pingsvc.traces;

CREATE FUNCTION pg_temp.one_by_one()
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id    bigint;
    v_n     bigint := 0;
BEGIN
    FOR v_id IN SELECT result_id FROM pingsvc.results WHERE source = 'atlas' ORDER BY ts, result_id
    LOOP
        v_n := v_n + (SELECT p.route_changes FROM pingsvc.process_results(ARRAY[v_id]) AS p);
    END LOOP;
    RETURN v_n;
END;
$$;

SELECT is(pg_temp.one_by_one(), 5::bigint, 'one by one: 5 route changes');
SELECT is((SELECT count(*) FROM pingsvc.flows), 9::bigint, 'one by one: 9 flows');
SELECT * FROM pg_temp.check_changes('one by one');

SELECT set_eq($$SELECT vantage, target, proto, paris_id, detected_at, last_old_at, old_path, new_path,
                       diverge_ttl, rejoin_ttl, kind, changed_hops FROM pingsvc.route_changes$$,
              $$SELECT * FROM t_batch$$,
              'incremental detection records the same changes as one batch');
SELECT results_eq($$SELECT transients FROM pingsvc.flows WHERE target = '203.0.113.207'$$,
                  $$VALUES (1::bigint)$$,
                  'the transient vector counts one transient and no change');
SELECT results_eq($$SELECT seq, valid_from, valid_to, change_id IS NOT NULL
                      FROM pingsvc.flow_paths JOIN pingsvc.flows USING (flow_id)
                     WHERE target = '203.0.113.200' ORDER BY seq$$,
                  $$VALUES (1, '2025-11-24 16:00:00+00'::timestamptz, '2025-11-24 16:45:00+00'::timestamptz, false),
                           (2, '2025-11-24 16:45:00+00', '2025-11-24 17:30:00+00', true),
                           (3, '2025-11-24 17:30:00+00', NULL, true)$$,
                  'change-and-back: three paths in the history, each valid until the next change');
SELECT results_eq($$SELECT path[4], valid_from FROM pingsvc.path_at('atlas:1001', '203.0.113.200', '2025-11-24 17:00:00+00')$$,
                  $$VALUES ('198.51.100.44'::inet, '2025-11-24 16:45:00+00'::timestamptz)$$,
                  'path_at finds the detour in force at 17:00');
SELECT is((SELECT count(*) FROM pingsvc.path_at('atlas:1001', '203.0.113.202', '2025-11-24 17:00:00+00')),
          2::bigint, 'path_at gives one path per flow (two paris_ids)');
SELECT is((SELECT count(*) FROM pingsvc.path_at('atlas:1001', '203.0.113.200', '2025-11-24 15:59:59+00')),
          0::bigint, 'path_at knows nothing before the first trace');

SELECT * FROM finish();
ROLLBACK;
