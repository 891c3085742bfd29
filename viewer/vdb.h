/*
 * vdb.h --
 *	The viewer's libpq helpers: connecting, the one exec-and-check
 *	function every query goes through, and the per-request session
 *	settings (statement timeout, UTC, read-only transaction).
 */
#ifndef PINGSVC_VIEWER_VDB_H
#define PINGSVC_VIEWER_VDB_H

#include <libpq-fe.h>

#include "errbuf.h"

/*
 * vdb_connect --
 *	Connect with 'conninfo' ("" or NULL: libpq's PG* variables and
 *	PGSERVICE), with application_name pingsvc-viewer.  Returns the
 *	connection (PQfinish) or NULL with 'eb'.
 */
PGconn *vdb_connect(const char *conninfo, struct errbuf *eb);

/*
 * vdb_exec --
 *	Run 'sql' with 'n' text parameters 'vals' ($1..$n; NULL values are
 *	SQL NULLs).  Returns a PGresult the caller must PQclear, or NULL with
 *	'eb' holding the server's message (and 'sqlstate', 6 bytes, when not
 *	NULL).
 */
PGresult *vdb_exec(PGconn *c, const char *sql, int n, const char *const *vals,
    char *sqlstate, struct errbuf *eb);

/* vdb_cmd -- vdb_exec for statements whose rows are not wanted. */
int vdb_cmd(PGconn *c, const char *sql, int n, const char *const *vals,
    struct errbuf *eb);

/*
 * vdb_begin --
 *	Set the session's statement_timeout to 'timeout_ms', TimeZone to
 *	UTC and jit off (compiling costs more than a page's short queries
 *	ever gain: seconds on a large database), then open a transaction: REPEATABLE READ READ ONLY when
 *	'read_only', else READ COMMITTED.  Returns 0 or -1 with 'eb'.
 */
int vdb_begin(
    PGconn *c, long long timeout_ms, int read_only, struct errbuf *eb);

/*
 * vdb_exists --
 *	1 when the relation (to_regclass) or, when 'is_function', the
 *	function signature (to_regprocedure) 'name' exists, 0 when not, -1
 *	with 'eb' on error.  Pages use it to degrade when a migration is
 *	missing.
 */
int vdb_exists(PGconn *c, const char *name, int is_function, struct errbuf *eb);

/*
 * vdb_column --
 *	1 when relation 'table' exists and has column 'column', 0 when not,
 *	-1 with 'eb' on error.
 */
int vdb_column(
    PGconn *c, const char *table, const char *column, struct errbuf *eb);

/*
 * vdb_trace --
 *	From now on append every statement vdb_exec runs to the file 'path'
 *	as SQL psql can run (the parameters inlined as quoted literals, one
 *	statement per line ending in ';').  tests/bench/viewer uses it to
 *	time a page's own queries through psql; main.c enables it for GET
 *	and HEAD requests only (PINGSVC_VIEWER_SQL_TRACE), so no control
 *	action is ever written out.  Returns 0 or -1 with 'eb'.
 */
int vdb_trace(const char *path, struct errbuf *eb);

#endif
