/*
 * db.h --
 *	The frontier's libpq helpers: connect, and one function that executes
 *	a statement with $n parameters, checks its status and describes a
 *	failure in a struct errbuf.
 */
#ifndef PINGSVC_FRONTIER_DB_H
#define PINGSVC_FRONTIER_DB_H

#include <libpq-fe.h>

#include "errbuf.h"

/*
 * db_connect --
 *	Connect with 'conninfo' ("" or NULL: libpq's PG* variables and
 *	PGSERVICE).  Returns the connection (PQfinish it), or NULL with 'eb'.
 */
PGconn *db_connect(const char *conninfo, struct errbuf *eb);

/*
 * db_exec --
 *	Run 'sql' with 'nparams' text parameters (NULL entries are SQL NULL).
 *	Returns the result (the caller PQclears it) when its status is
 *	PGRES_COMMAND_OK or PGRES_TUPLES_OK, else NULL with 'eb' holding the
 *	server's message (the result is cleared).
 */
PGresult *db_exec(PGconn *db, const char *sql, int nparams,
    const char *const *params, struct errbuf *eb);

/* db_command -- db_exec for statements whose result is not needed. */
int db_command(PGconn *db, const char *sql, int nparams,
    const char *const *params, struct errbuf *eb);

/*
 * db_copy_begin --
 *	Start 'sql', a COPY ... FROM STDIN (rows then go with PQputCopyData).
 *	Returns 0, or -1 with 'eb'.
 */
int db_copy_begin(PGconn *db, const char *sql, struct errbuf *eb);

/*
 * db_copy_end --
 *	End the COPY started by db_copy_begin() and check its result.
 *	Returns 0, or -1 with 'eb'; either way the connection is ready for
 *	the next statement.
 */
int db_copy_end(PGconn *db, struct errbuf *eb);

/*
 * db_rollback --
 *	Abandon a transaction: a COPY still running is ended with an error
 *	first, so that nothing it sent is kept, then ROLLBACK.
 */
void db_rollback(PGconn *db);

#endif
