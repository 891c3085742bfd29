/*
 * db.c --
 *	libpq helpers (see db.h).
 */
#include <string.h>

#include "db.h"

PGconn *
db_connect(const char *conninfo, struct errbuf *eb)
{
	PGconn *c;
	size_t n;

	c = PQconnectdb(conninfo != NULL ? conninfo : "");
	if (c == NULL) {
		errbuf_set(eb, "cannot connect to the database: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		errbuf_set(eb, "cannot connect to the database: %s",
		    PQerrorMessage(c));
		/* libpq's messages end in a newline. */
		if (eb != NULL) {
			n = strlen(eb->msg);
			while (n > 0 && eb->msg[n - 1] == '\n')
				eb->msg[--n] = '\0';
		}
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Status check and error text for both kinds of execution. */
static PGresult *check(
    PGconn *c, PGresult *res, char *sqlstate, struct errbuf *eb);

PGresult *
db_exec(PGconn *c, const char *sql, int n, const char *const *vals,
    char *sqlstate, struct errbuf *eb)
{
	return check(c, PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0),
	    sqlstate, eb);
}

PGresult *
db_exec_prepared(PGconn *c, const char *name, int n, const char *const *vals,
    char *sqlstate, struct errbuf *eb)
{
	return check(
	    c, PQexecPrepared(c, name, n, vals, NULL, NULL, 0), sqlstate, eb);
}

static PGresult *
check(PGconn *c, PGresult *res, char *sqlstate, struct errbuf *eb)
{
	ExecStatusType st;
	const char *state, *msg;
	size_t len;

	if (sqlstate != NULL)
		sqlstate[0] = '\0';
	if (res == NULL) {
		errbuf_set(eb, "database: %s", PQerrorMessage(c));
		goto fail;
	}
	st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (sqlstate != NULL && state != NULL) {
		strncpy(sqlstate, state, 5);
		sqlstate[5] = '\0';
	}
	if (msg != NULL)
		errbuf_set(eb, "database: %s (SQLSTATE %s)", msg,
		    state != NULL ? state : "?");
	else
		errbuf_set(eb, "database: %s", PQerrorMessage(c));
	PQclear(res);
fail:
	if (eb != NULL) {
		len = strlen(eb->msg);
		while (len > 0 && eb->msg[len - 1] == '\n')
			eb->msg[--len] = '\0';
	}
	return NULL;
}

int
db_cmd(PGconn *c, const char *sql, int n, const char *const *vals,
    struct errbuf *eb)
{
	PGresult *res;

	if ((res = db_exec(c, sql, n, vals, NULL, eb)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

void
db_rollback(PGconn *c)
{
	PQclear(PQexec(c, "ROLLBACK"));
}

int
db_copy_in(PGconn *c, const char *sql, const char *data, size_t len,
    char *sqlstate, struct errbuf *eb)
{
	PGresult *res, *more;
	int rc = 0;

	if (sqlstate != NULL)
		sqlstate[0] = '\0';
	res = PQexec(c, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN) {
		if (res != NULL && PQresultStatus(res) != PGRES_FATAL_ERROR) {
			PQclear(res);
			errbuf_set(eb, "database: %s: not a COPY", sql);
			return -1;
		}
		return check(c, res, sqlstate, eb) == NULL ? -1 : 0;
	}
	PQclear(res);
	/* Blocking connection: these only fail when it is lost. */
	if ((len > 0 && PQputCopyData(c, data, (int)len) != 1) ||
	    PQputCopyEnd(c, NULL) != 1)
		rc = -1;
	res = PQgetResult(c);
	/* Drain, so the connection is ready for the next statement. */
	while ((more = PQgetResult(c)) != NULL)
		PQclear(more);
	if ((res = check(c, res, sqlstate, eb)) == NULL)
		return -1;
	PQclear(res);
	if (rc == -1)
		errbuf_set(eb, "database: %s", PQerrorMessage(c));
	return rc;
}
