/*
 * db.h --
 *	The one libpq helper of the gateway: connect, and execute a
 *	parameterised statement checking its status, so that every caller
 *	gets either a result of the expected kind or an error description,
 *	never a half-checked PGresult.
 */
#ifndef PINGSVC_INGEST_DB_H
#define PINGSVC_INGEST_DB_H

#include <libpq-fe.h>

#include "errbuf.h"

/*
 * db_connect --
 *	Connect with 'conninfo' (NULL or "": libpq's PG* variables and
 *	PGSERVICE decide).  Returns the connection (PQfinish it), or NULL
 *	with 'eb' saying why.
 */
PGconn *db_connect(const char *conninfo, struct errbuf *eb);

/*
 * db_exec --
 *	Run 'sql' with 'n' text parameters 'vals' ($1..$n; NULL entries are
 *	SQL NULL).  Returns the result (caller PQclears it) when its status is
 *	PGRES_TUPLES_OK or PGRES_COMMAND_OK, or NULL with 'eb' holding the
 *	server's message and, when 'sqlstate' is not NULL, the SQLSTATE copied
 *	there (6 bytes; "" when the failure was not the server's).
 */
PGresult *db_exec(PGconn *c, const char *sql, int n, const char *const *vals,
    char *sqlstate, struct errbuf *eb);

/*
 * db_exec_prepared --
 *	As db_exec for the statement prepared on 'c' under 'name'.
 */
PGresult *db_exec_prepared(PGconn *c, const char *name, int n,
    const char *const *vals, char *sqlstate, struct errbuf *eb);

/*
 * db_cmd --
 *	As db_exec for statements whose result is not needed (BEGIN, COMMIT,
 *	UPDATE without RETURNING).  Returns 0 or -1.
 */
int db_cmd(PGconn *c, const char *sql, int n, const char *const *vals,
    struct errbuf *eb);

/* db_rollback -- ROLLBACK, ignoring failure (used on the way out). */
void db_rollback(PGconn *c);

/*
 * db_copy_in --
 *	Run 'sql' (COPY ... FROM STDIN) sending the 'len' bytes of COPY text
 *	'data'.  Returns 0, or -1 with 'eb' and 'sqlstate' (6 bytes, may be
 *	NULL) as db_exec.
 */
int db_copy_in(PGconn *c, const char *sql, const char *data, size_t len,
    char *sqlstate, struct errbuf *eb);

#endif
