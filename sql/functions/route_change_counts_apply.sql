-- pingsvc.route_change_counts_apply(): the trigger function that keeps
-- route_change_counts equal to a GROUP BY of route_changes;
-- pingsvc.route_change_counts_rebuild() recounts everything (to check the
-- counters, or after the triggers were disabled); both run the statement
-- that pingsvc.route_change_counts_sql() writes.
--
-- Statement-level AFTER triggers with transition tables: one run per
-- INSERT, UPDATE or DELETE statement on route_changes, whoever runs it
-- (process_results() in whatever version, a loader, a test), counting the
-- statement's rows in one pass (grouped by hour, kind and changed hops
-- before any counter is touched).  An UPDATE takes its old rows out and
-- puts its new rows in; a DELETE takes its rows out (a counter may reach 0
-- and stay: pingsvc_ingest may not delete, readers skip zeros, a rebuild
-- drops them); TRUNCATE empties the counters.  (A transition table is
-- visible only to statements the trigger function runs itself, hence
-- EXECUTE of a statement built by route_change_counts_sql() rather than a
-- helper function running it.)
--
-- Concurrency: counters are added with INSERT ... ON CONFLICT DO UPDATE in
-- key order (and taken out with an UPDATE), so two transactions writing
-- changes of the same hour, kind and hops serialise on that counter row
-- (the second waits for the first to commit, then adds to the committed
-- value: nothing is lost), and two inserting statements lock counters in
-- the same order, so they cannot deadlock on each other here.  A
-- rolled-back transaction takes its counts with it.  The triggers run with
-- the rights of whoever writes route_changes: pingsvc_ingest (which
-- process_results() runs as) may write the counters
-- (tables/route_change_counts.sql); only the partition functions are
-- SECURITY DEFINER in this schema.

CREATE FUNCTION pingsvc.route_change_counts_sql(p_rows text, p_sign integer)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN format($q$
    WITH c AS (
        SELECT date_bin('1 hour', r.detected_at,
                        timestamptz '2000-01-01 00:00:00+00') AS hour,
               r.kind,
               ARRAY(SELECT DISTINCT h
                       FROM unnest(coalesce(r.changed_hops,
                                            r.new_path[r.diverge_ttl:coalesce(r.rejoin_ttl - 1,
                                                                              cardinality(r.new_path))])) h
                      WHERE h IS NOT NULL ORDER BY 1) AS hops,
               count(*) AS n
          FROM %s r
         GROUP BY 1, 2, 3)
    %s$q$, p_rows,
    CASE WHEN p_sign > 0 THEN $q$
    INSERT INTO pingsvc.route_change_counts AS t (hour, kind, hops, changes)
    SELECT hour, kind, hops, n FROM c ORDER BY 1, 2, 3
    ON CONFLICT (hour, kind, hops)
    DO UPDATE SET changes = t.changes + excluded.changes
    $q$ ELSE $q$
    UPDATE pingsvc.route_change_counts AS t SET changes = t.changes - c.n
      FROM c
     WHERE (t.hour, t.kind, t.hops) = (c.hour, c.kind, c.hops)
    $q$ END);

COMMENT ON FUNCTION pingsvc.route_change_counts_sql(text, integer) IS
    'The statement that adds (p_sign 1) or takes out (p_sign -1) the route changes of relation p_rows (a transition table, or pingsvc.route_changes) to or from route_change_counts. Internal to route_change_counts_apply() and route_change_counts_rebuild().';

CREATE FUNCTION pingsvc.route_change_counts_apply()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM pingsvc.route_change_counts;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE pingsvc.route_change_counts_sql('old_rows', -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE pingsvc.route_change_counts_sql('new_rows', 1);
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION pingsvc.route_change_counts_apply() IS
    'Trigger function (statement level, transition tables new_rows/old_rows) keeping route_change_counts equal to a GROUP BY of route_changes.';

CREATE FUNCTION pingsvc.route_change_counts_rebuild()
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
    v_n bigint;
BEGIN
    -- Writers wait until the recount commits: their triggers would add
    -- to counters being replaced.
    LOCK TABLE pingsvc.route_changes IN SHARE MODE;
    DELETE FROM pingsvc.route_change_counts;
    EXECUTE pingsvc.route_change_counts_sql('pingsvc.route_changes', 1);
    SELECT count(*) INTO v_n FROM pingsvc.route_change_counts;
    RETURN v_n;
END;
$$;

COMMENT ON FUNCTION pingsvc.route_change_counts_rebuild() IS
    'Recounts route_change_counts from route_changes (takes a SHARE lock on route_changes: writers wait); returns the number of counter rows.';

REVOKE ALL ON FUNCTION pingsvc.route_change_counts_apply() FROM PUBLIC;
REVOKE ALL ON FUNCTION pingsvc.route_change_counts_rebuild() FROM PUBLIC;

CREATE TRIGGER route_change_counts_insert
    AFTER INSERT ON pingsvc.route_changes
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pingsvc.route_change_counts_apply();
CREATE TRIGGER route_change_counts_update
    AFTER UPDATE ON pingsvc.route_changes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pingsvc.route_change_counts_apply();
CREATE TRIGGER route_change_counts_delete
    AFTER DELETE ON pingsvc.route_changes
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pingsvc.route_change_counts_apply();
CREATE TRIGGER route_change_counts_truncate
    AFTER TRUNCATE ON pingsvc.route_changes
    FOR EACH STATEMENT EXECUTE FUNCTION pingsvc.route_change_counts_apply();
