-- 00_schema.sql: the objects of schema v1 exist, are documented, are owned
-- by pingsvc_owner, and keep the analysts' stable surface.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;

SELECT plan(78);

-- Schema, extension, roles ---------------------------------------------------

SELECT has_schema('pingsvc');
SELECT has_extension('postgis');
SELECT is((SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'postgis'), 'public', 'postgis lives in schema public');
SELECT has_role(r) FROM unnest(ARRAY['pingsvc_owner', 'pingsvc_ingest', 'pingsvc_frontier',
                                     'pingsvc_viewer', 'pingsvc_analyst']) AS r;
SELECT is(ARRAY(SELECT rolname::text FROM pg_roles
                 WHERE rolname LIKE 'pingsvc\_%'
                   AND (rolcanlogin OR rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls)
                 ORDER BY 1),
          '{}'::text[], 'the pingsvc roles are plain NOLOGIN group roles');
SELECT is(ARRAY(SELECT rolname::text FROM pg_roles r
                 WHERE rolname LIKE 'pingsvc\_%'
                   AND shobj_description(r.oid, 'pg_authid') IS NULL),
          '{}'::text[], 'every pingsvc role has a comment');

-- Tables, views, functions --------------------------------------------------

SELECT has_table('pingsvc', t, 'table pingsvc.' || t || ' exists')
  FROM unnest(ARRAY['schema_migrations', 'workers', 'targets', 'jobs', 'results',
                    'result_keys', 'traces', 'hops', 'links', 'route_changes',
                    'geolocations', 'partition_config']) AS t;
SELECT is_partitioned('pingsvc', t, 'pingsvc.' || t || ' is partitioned') FROM unnest(ARRAY['results', 'traces', 'hops']) AS t;
SELECT has_view('pingsvc', 'partitions', 'view pingsvc.partitions exists');
SELECT has_function('pingsvc', f, a)
  FROM (VALUES ('is_host_address', ARRAY['inet']),
               ('is_host_path', ARRAY['inet[]']),
               ('path_hash', ARRAY['inet[]']),
               ('ensure_partitions', ARRAY['timestamp with time zone', 'timestamp with time zone', 'text']),
               ('maintain_partitions', ARRAY[]::text[])) AS v(f, a);
SELECT is(ARRAY(SELECT p.proname::text FROM pg_proc p
                 WHERE p.pronamespace = 'pingsvc'::regnamespace AND p.prosecdef
                   AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pingsvc']
                 ORDER BY 1),
          '{}'::text[], 'every SECURITY DEFINER function pins search_path = pg_catalog, pingsvc');
SELECT is(ARRAY(SELECT p.proname::text FROM pg_proc p
                 WHERE p.pronamespace = 'pingsvc'::regnamespace AND p.prosecdef
                 ORDER BY 1),
          ARRAY['derive_pending', 'ensure_partitions', 'maintain_partitions'],
          'only the partition functions and derive_pending are SECURITY DEFINER');

-- The stable surface analysts rely on (DESIGN.md "SQL for analysts").
SELECT col_type_is('pingsvc', t, c, ty, format('pingsvc.%s.%s is %s', t, c, ty))
  FROM (VALUES ('targets', 'address', 'inet'), ('targets', 'source', 'text'),
               ('targets', 'first_seen', 'timestamp with time zone'),
               ('traces', 'trace_id', 'bigint'), ('traces', 'vantage', 'text'),
               ('traces', 'target', 'inet'), ('traces', 'ts', 'timestamp with time zone'),
               ('traces', 'proto', 'text'), ('traces', 'paris_id', 'integer'),
               ('traces', 'path', 'inet[]'), ('traces', 'reached', 'boolean'),
               ('traces', 'source', 'text'),
               ('hops', 'trace_id', 'bigint'), ('hops', 'ttl', 'smallint'),
               ('hops', 'address', 'inet'), ('hops', 'rtt_ms', 'double precision'),
               ('hops', 'reply_ttl', 'smallint'),
               ('links', 'near', 'inet'), ('links', 'far', 'inet'),
               ('links', 'first_seen', 'timestamp with time zone'),
               ('links', 'last_seen', 'timestamp with time zone'), ('links', 'times_seen', 'bigint'),
               ('route_changes', 'change_id', 'bigint'), ('route_changes', 'vantage', 'text'),
               ('route_changes', 'target', 'inet'), ('route_changes', 'proto', 'text'),
               ('route_changes', 'detected_at', 'timestamp with time zone'),
               ('route_changes', 'old_path', 'inet[]'), ('route_changes', 'new_path', 'inet[]'),
               ('route_changes', 'diverge_ttl', 'smallint'), ('route_changes', 'rejoin_ttl', 'smallint'),
               ('route_changes', 'kind', 'text')) AS v(t, c, ty);

-- Indexes the queue, the flows and the hop lookups depend on.
SELECT is(ARRAY(SELECT i FROM unnest(ARRAY['jobs_claimable_idx', 'jobs_lease_expires_idx',
                                           'traces_flow_idx', 'hops_address_ts_idx',
                                           'targets_next_due_idx', 'result_keys_ts_idx',
                                           'geolocations_prefix_gist']) AS i
                 WHERE to_regclass('pingsvc.' || i) IS NULL),
          '{}'::text[], 'the queue, flow, hop and lookup indexes exist');
SELECT is(pg_get_indexdef('pingsvc.jobs_claimable_idx'::regclass),
          'CREATE INDEX jobs_claimable_idx ON pingsvc.jobs USING btree (priority DESC, job_id) WHERE (state = ''ready''::text)',
          'claimable jobs are indexed by (priority desc, job_id) where ready');

-- Documentation: analysts read \d+ and \df+ ------------------------------------

SELECT is(obj_description('pingsvc'::regnamespace, 'pg_namespace') IS NOT NULL, true,
          'schema pingsvc has a comment');
SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c
                 WHERE c.relnamespace = 'pingsvc'::regnamespace
                   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                   AND obj_description(c.oid, 'pg_class') IS NULL
                 ORDER BY 1),
          '{}'::text[], 'every table, partition and view in pingsvc has a comment');
SELECT is(ARRAY(SELECT c.relname || '.' || a.attname FROM pg_class c
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE c.relnamespace = 'pingsvc'::regnamespace
                   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                   AND col_description(c.oid, a.attnum) IS NULL
                 ORDER BY 1),
          '{}'::text[], 'every column in pingsvc has a comment');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'pingsvc'::regnamespace
                   AND obj_description(p.oid, 'pg_proc') IS NULL
                 ORDER BY 1),
          '{}'::text[], 'every function in pingsvc has a comment');

-- Ownership: pingsvc_owner owns everything ------------------------------------

SELECT is(pg_get_userbyid((SELECT nspowner FROM pg_namespace WHERE nspname = 'pingsvc'))::text,
          'pingsvc_owner', 'pingsvc_owner owns schema pingsvc');
SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c
                 WHERE c.relnamespace = 'pingsvc'::regnamespace
                   AND c.relowner <> 'pingsvc_owner'::regrole
                 ORDER BY 1),
          '{}'::text[], 'pingsvc_owner owns every relation in pingsvc');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'pingsvc'::regnamespace
                   AND p.proowner <> 'pingsvc_owner'::regrole
                 ORDER BY 1),
          '{}'::text[], 'pingsvc_owner owns every function in pingsvc');

-- Partitioning ----------------------------------------------------------------

SELECT is(ARRAY(SELECT c.relname::text FROM pg_class c
                 WHERE c.relnamespace = 'pingsvc'::regnamespace AND c.relispartition
                   AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'),
          '{}'::text[], 'no default partitions: rows without a partition fail loudly');
SELECT results_eq($$SELECT parent, granularity, retention FROM pingsvc.partition_config ORDER BY parent$$,
                  $$VALUES ('hops', interval '1 day', NULL::interval),
                           ('results', interval '1 day', interval '180 days'),
                           ('traces', interval '1 day', NULL::interval)$$,
                  'results are kept 180 days, traces and hops forever, all in daily partitions');

-- Default privileges: later tables of pingsvc_owner are readable.
SELECT ok(EXISTS (SELECT 1 FROM pg_default_acl d
                   WHERE d.defaclrole = 'pingsvc_owner'::regrole
                     AND d.defaclnamespace = 'pingsvc'::regnamespace
                     AND d.defaclobjtype = 'r'
                     AND d.defaclacl::text[] @> ARRAY['pingsvc_analyst=r/pingsvc_owner',
                                                      'pingsvc_viewer=r/pingsvc_owner',
                                                      'pingsvc_frontier=r/pingsvc_owner',
                                                      'pingsvc_ingest=r/pingsvc_owner']),
          'tables pingsvc_owner creates later get SELECT for the reading roles');

-- Migrations bookkeeping.
SELECT ok((SELECT count(*) FROM pingsvc.schema_migrations WHERE version = 1 AND name = 'core') = 1,
          'migration 0001_core is recorded');

SELECT * FROM finish();
ROLLBACK;
