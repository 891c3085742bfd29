#!/usr/bin/env bash
#
# migrate.t -- sql/migrate is idempotent, detects edited migrations, applies
# new ones in order and only once (also under concurrency), refuses
# non-superusers, and rolls a failed migration back whole.  Also checks that
# concurrent ensure_partitions() calls are serialised.
#
# Prints TAP.  Needs the environment of tests/pg/with-pg (PGHOST, PGPORT,
# PGUSER=postgres, PGDATABASE=pingsvc with the migrations applied once):
#
#	tests/pg/with-pg prove -v tests/integration/migrate.t
#
set -u

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P) || exit 2
migrate=$repo/sql/migrate

. "$repo/tests/integration/tap.sh"
need_db

# q [DB] SQL -- one value from the database.
q()
{
	psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

tag=mt$$
fresh=${tag}_fresh
conc=${tag}_conc
copy=${tag}_copy
nosuper=${tag}_nosuper
tmp=$(mktemp -d)

cleanup()
{
	for db in "$fresh" "$conc" "$copy"; do
		dropdb --if-exists "$db" >/dev/null 2>&1
	done
	psql -X -q -c "DROP ROLE IF EXISTS $nosuper" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- the with-pg database: already migrated ----------------------------------

count0=$(q "$PGDATABASE" "SELECT count(*) FROM pingsvc.schema_migrations")
stamp0=$(q "$PGDATABASE" "SELECT max(applied_at) FROM pingsvc.schema_migrations")

out=$("$migrate" 2>&1)
ok $? "migrate runs again on a migrated database"
is "$out" "migrate: up to date ($count0 migrations)" "and says it is up to date"
is "$(q "$PGDATABASE" "SELECT count(*) || ' ' || max(applied_at) FROM pingsvc.schema_migrations")" \
    "$count0 $stamp0" "schema_migrations is unchanged"

sum=$(q "$PGDATABASE" "SELECT checksum FROM pingsvc.schema_migrations WHERE version = 1")
q "$PGDATABASE" "UPDATE pingsvc.schema_migrations SET checksum = repeat('0', 64) WHERE version = 1" >/dev/null
out=$("$migrate" 2>&1)
fails $? "a tampered checksum makes migrate fail"
like "$out" "0001_core was changed after it was applied" "and says which migration changed"
q "$PGDATABASE" "UPDATE pingsvc.schema_migrations SET checksum = '$sum' WHERE version = 1" >/dev/null
"$migrate" >/dev/null 2>&1
ok $? "with the checksum restored migrate succeeds again"

# --- a brand-new database ----------------------------------------------------------

# Every migration of the tree is applied; the counts follow the tree.
nmig=$(ls "$repo"/sql/migrations/[0-9][0-9][0-9][0-9]_*.sql | wc -l)

createdb "$fresh"
out=$("$migrate" "dbname=$fresh" 2>&1)
ok $? "migrate into a new database succeeds"
like "$out" "^migrate: applied 0001_core$" "and applies 0001_core"
out=$("$migrate" "dbname=$fresh" 2>&1)
ok $? "migrate into it a second time succeeds"
like "$out" "^migrate: up to date \($nmig migrations\)$" "and applies nothing"
is "$(q "$fresh" "SELECT count(*) FROM pingsvc.schema_migrations")" "$nmig" \
    "every migration recorded once"
is "$(q "$fresh" "SELECT to_regclass('pingsvc.results_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')) IS NOT NULL")" \
    t "the new database can take today's results"
is "$(PGDATABASE=$fresh q "$fresh" "SELECT current_database()")" "$fresh" \
    "(PGDATABASE selects a database too)"
out=$(PGDATABASE=$fresh "$migrate" 2>&1)
like "$out" "^migrate: up to date" "migrate honours PGDATABASE without CONNINFO"

# --- two concurrent runs into another new database ----------------------------

createdb "$conc"
"$migrate" "dbname=$conc" >"$tmp/c1" 2>&1 &
p1=$!
"$migrate" "dbname=$conc" >"$tmp/c2" 2>&1 &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
r2=$?
is "$r1 $r2" "0 0" "two concurrent runs both succeed"
is "$(cat "$tmp/c1" "$tmp/c2" | grep -c '^migrate: applied 0001_core$')" 1 \
    "exactly one of them applies 0001_core"
is "$(q "$conc" "SELECT count(*) FROM pingsvc.schema_migrations")" "$nmig" \
    "each is recorded once"

# --- edited and new migrations, in a copy of sql/ ---------------------------------

# The copy holds the tree's first migration only, so that the versions the
# tests add (0002_extra, 0003_broken) never meet the tree's own.
fresh_copy()
{
	rm -rf "$tmp/sql"
	cp -R "$repo/sql" "$tmp/sql"
	find "$tmp/sql/migrations" -name '*.sql' ! -name '0001_core.sql' -delete
}

fresh_copy
echo "-- an innocent-looking edit" >>"$tmp/sql/tables/targets.sql"
out=$("$tmp/sql/migrate" "dbname=$fresh" 2>&1)
fails $? "an edited file included by a landed migration makes migrate fail"
like "$out" "0001_core was changed" "and names the migration that includes it"

fresh_copy
sed -i 's/^-- 0001_core: /-- 0001_core (edited): /' "$tmp/sql/migrations/0001_core.sql"
out=$("$tmp/sql/migrate" "dbname=$fresh" 2>&1)
fails $? "an edited landed migration makes migrate fail"

fresh_copy
rm -rf "$tmp/sql-old"
cp -R "$tmp/sql" "$tmp/sql-old"
createdb "$copy"
"$tmp/sql/migrate" "dbname=$copy" >/dev/null 2>&1
cat >"$tmp/sql/migrations/0002_extra.sql" <<'EOF'
SET ROLE pingsvc_owner;
CREATE TABLE pingsvc.mt_extra (i integer PRIMARY KEY);
COMMENT ON TABLE pingsvc.mt_extra IS 'migrate.t';
RESET ROLE;
EOF
out=$("$tmp/sql/migrate" "dbname=$copy" 2>&1)
ok $? "a new migration applies"
like "$out" "^migrate: applied 0002_extra$" "only the new one is applied"
! printf '%s\n' "$out" | grep -q "applied 0001"
ok $? "the landed one is skipped"
is "$(q "$copy" "SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM pingsvc.schema_migrations")" \
    "1:core,2:extra" "both are recorded in order"
out=$("$tmp/sql-old/migrate" "dbname=$copy" 2>&1)
ok $? "an older tree still runs against the newer database"
like "$out" "warning: the database has migration 0002_extra, which this tree lacks" \
    "and warns about the migration it lacks"

cat >"$tmp/sql/migrations/0003_broken.sql" <<'EOF'
SET ROLE pingsvc_owner;
CREATE TABLE pingsvc.mt_broken (i integer);
SELECT 1 / 0;
EOF
out=$("$tmp/sql/migrate" "dbname=$copy" 2>&1)
fails $? "a failing migration makes migrate fail"
like "$out" "division by zero" "with psql's error"
like "$out" "0003_broken failed" "naming the migration"
is "$(q "$copy" "SELECT to_regclass('pingsvc.mt_broken') IS NULL AND (SELECT count(*) = 2 FROM pingsvc.schema_migrations)")" \
    t "nothing of the failed migration remains"

rm "$tmp/sql/migrations/0003_broken.sql"
printf '\\i ../tables/links.sql\n' >"$tmp/sql/migrations/0003_abs.sql"
out=$("$tmp/sql/migrate" "dbname=$copy" 2>&1)
fails $? "includes other than \\ir are refused"
like "$out" "only '.ir relative/path.sql' may include files" "with the rule"

# --- privileges -------------------------------------------------------------------

psql -X -q -c "CREATE ROLE $nosuper LOGIN" >/dev/null
out=$(PGUSER=$nosuper "$migrate" 2>&1)
fails $? "migrate refuses to run as a non-superuser"
like "$out" "must run as a superuser \(connected as $nosuper\)" "and says why"

# --- ensure_partitions() under concurrency ------------------------------------------

cat >"$tmp/a.sql" <<'EOF'
BEGIN;
SELECT 'A=' || count(*) FROM pingsvc.ensure_partitions('2023-05-01', '2023-05-02');
SELECT pg_sleep(1);
COMMIT;
EOF
cat >"$tmp/b.sql" <<'EOF'
SELECT 'B=' || count(*) FROM pingsvc.ensure_partitions('2023-05-01', '2023-05-02');
EOF
psql -X -At -q -v ON_ERROR_STOP=1 -d "$fresh" -f "$tmp/a.sql" >"$tmp/a.out" 2>&1 &
pa=$!
sleep 0.3
psql -X -At -q -v ON_ERROR_STOP=1 -d "$fresh" -f "$tmp/b.sql" >"$tmp/b.out" 2>&1
rb=$?
wait "$pa"
ra=$?
is "$ra $rb" "0 0" "two concurrent ensure_partitions() calls both succeed"
is "$(grep -h '^[AB]=' "$tmp/a.out" "$tmp/b.out" | sort | tr '\n' ' ')" "A=6 B=0 " \
    "the first makes the partitions, the second waits and finds them made"

done_testing
