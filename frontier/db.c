/*
 * db.c --
 *	libpq helpers of the frontier; see db.h.
 */
#include <string.h>

#include "db.h"

PGconn *
db_connect(const char *conninfo, struct errbuf *eb)
{
	PGconn *db;

	db = PQconnectdb(conninfo != NULL ? conninfo : "");
	if (db == NULL) {
		errbuf_set(eb, "database: out of memory");
		return NULL;
	}
	if (PQstatus(db) != CONNECTION_OK) {
		errbuf_set(eb,
		    "database: %.*s (check --db or the PG* "
		    "variables)",
		    (int)strcspn(PQerrorMessage(db), "\n"), PQerrorMessage(db));
		PQfinish(db);
		return NULL;
	}
	return db;
}

PGresult *
db_exec(PGconn *db, const char *sql, int nparams, const char *const *params,
    struct errbuf *eb)
{
	PGresult *res;
	ExecStatusType st;
	const char *msg;

	res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
	st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	msg = res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(db);
	errbuf_set(eb, "database: %.*s", (int)strcspn(msg, "\n"), msg);
	PQclear(res);
	return NULL;
}

int
db_command(PGconn *db, const char *sql, int nparams, const char *const *params,
    struct errbuf *eb)
{
	PGresult *res;

	if ((res = db_exec(db, sql, nparams, params, eb)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
db_copy_begin(PGconn *db, const char *sql, struct errbuf *eb)
{
	PGresult *res;
	int rc = 0;

	/* db_exec() wants a finished command; COPY goes through PQexec. */
	if ((res = PQexec(db, sql)) == NULL ||
	    PQresultStatus(res) != PGRES_COPY_IN) {
		errbuf_set(eb, "database: COPY did not start: %s",
		    res != NULL ? PQresultErrorMessage(res)
				: PQerrorMessage(db));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

int
db_copy_end(PGconn *db, struct errbuf *eb)
{
	PGresult *res;
	int rc = 0;

	if (PQputCopyEnd(db, NULL) != 1)
		return errbuf_set(eb, "database: %s", PQerrorMessage(db));
	if ((res = PQgetResult(db)) == NULL ||
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		errbuf_set(eb, "database: COPY: %s",
		    res != NULL ? PQresultErrorMessage(res) : "no result");
		rc = -1;
	}
	PQclear(res);
	while ((res = PQgetResult(db)) != NULL)
		PQclear(res);
	return rc;
}

void
db_rollback(PGconn *db)
{
	PGresult *res;

	if (PQtransactionStatus(db) == PQTRANS_ACTIVE)
		PQputCopyEnd(db, "import aborted");
	while ((res = PQgetResult(db)) != NULL)
		PQclear(res);
	db_command(db, "ROLLBACK", 0, NULL, NULL);
}
