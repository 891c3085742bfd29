# tests/integration/tap.sh -- TAP helpers shared by the integration tests.
# Source it; then need_db/need_root/need_built/need_tools (skip the whole
# file when something is missing), ok/fails/is/like/skip for each test point
# and `done_testing` at the end, which prints the plan and sets the exit status.
# (prove reads only *.t files, so this file is never run as a test.)

n=0
failed=0

# ok STATUS DESCRIPTION -- one test point; STATUS 0 passes.
ok()
{
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# fails STATUS DESCRIPTION -- passes when STATUS is not 0.
fails()
{
	[ "$1" -ne 0 ]
	ok $? "$2"
}

# is GOT WANT DESCRIPTION
is()
{
	[ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || printf '#   got: %s\n# wanted: %s\n' "$1" "$2"
}

# like TEXT ERE DESCRIPTION
like()
{
	printf '%s\n' "$1" | grep -Eq -- "$2"
	ok $? "$3"
	printf '%s\n' "$1" | grep -Eq -- "$2" ||
		printf '#   %s\n# did not match /%s/\n' "$1" "$2"
}

# skip WHY -- a test point that could not run here, reported as skipped.
skip()
{
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# The whole file cannot run here: print an empty plan saying why and exit
# 0 (prove counts it as skipped).  Call these before the first test point.
skip_all()
{
	echo "1..0 # SKIP $1"
	exit 0
}

# need_db -- only under tests/pg/with-pg (PGHOST and PGDATABASE set).
need_db()
{
	if [ -z "${PGHOST:-}" ] || [ -z "${PGDATABASE:-}" ]; then
		skip_all "no database: run under tests/pg/with-pg"
	fi
}

# need_root -- the lab's network namespaces need root.
need_root()
{
	[ "$(id -u)" = 0 ] || skip_all "the lab needs root (network namespaces)"
}

# need_built FILE... -- each program must be built (executable).
need_built()
{
	local f
	for f in "$@"; do
		[ -x "$f" ] || skip_all "$f is not built"
	done
}

# need_tools CMD... -- each command must be installed.
need_tools()
{
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || skip_all "$t is not installed"
	done
}

# own_db NAME -- a database of the test's own, migrated and made the
# default (PGDATABASE), and a scratch directory $tmp; both, and the roles
# made by own_role, go on exit.
own_db()
{
	db=$1
	own_roles=
	tmp=$(mktemp -d) || exit 1
	trap own_db_cleanup EXIT
	createdb "$db" || exit 1
	"$top/sql/migrate" "dbname=$db" >/dev/null || exit 1
	export PGDATABASE=$db
}

# own_role NAME GROUP -- a login role in GROUP (the grants are tested
# through it), dropped on exit.
own_role()
{
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE $1 LOGIN IN ROLE $2" >/dev/null || exit 1
	own_roles="$own_roles $1"
}

own_db_cleanup()
{
	local r
	rm -rf "$tmp"
	dropdb --if-exists "$db" >/dev/null 2>&1
	for r in $own_roles; do
		psql -X -q -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
	done
}

# done_testing -- print the plan; the exit status says whether all passed.
done_testing()
{
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
