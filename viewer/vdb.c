/*
 * vdb.c --
 *	libpq helpers of the viewer (see vdb.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"

/* The statement trace (vdb_trace), NULL when off. */
static FILE *trace_fp;

int
vdb_trace(const char *path, struct errbuf *eb)
{
	if ((trace_fp = fopen(path, "a")) == NULL)
		return errbuf_set(eb, "%s: cannot open the SQL trace", path);
	return 0;
}

/* trace -- Write 'sql' with $1..$n replaced by the quoted values. */
static void
trace(PGconn *c, const char *sql, int n, const char *const *vals)
{
	const char *p;
	char *lit;
	int k;

	for (p = sql; *p != '\0'; p++) {
		if (*p != '$' || !isdigit((unsigned char)p[1])) {
			fputc(*p == '\n' ? ' ' : *p, trace_fp);
			continue;
		}
		k = (int)strtol(p + 1, NULL, 10);
		while (isdigit((unsigned char)p[1]))
			p++;
		if (k < 1 || k > n || vals[k - 1] == NULL) {
			fputs("NULL", trace_fp);
			continue;
		}
		if ((lit = PQescapeLiteral(
			 c, vals[k - 1], strlen(vals[k - 1]))) != NULL)
			fputs(lit, trace_fp);
		PQfreemem(lit);
	}
	fputs(";\n", trace_fp);
	fflush(trace_fp);
}

/* chomp -- libpq's messages end in a newline; errbuf lines do not. */
static void
chomp(struct errbuf *eb)
{
	size_t n;

	if (eb == NULL)
		return;
	n = strlen(eb->msg);
	while (n > 0 && (eb->msg[n - 1] == '\n' || eb->msg[n - 1] == ' '))
		eb->msg[--n] = '\0';
}

PGconn *
vdb_connect(const char *conninfo, struct errbuf *eb)
{
	static const char *const keys[] = { "dbname", "application_name",
		NULL };
	const char *vals[3];
	PGconn *c;

	vals[0] = conninfo != NULL ? conninfo : "";
	vals[1] = "pingsvc-viewer";
	vals[2] = NULL;
	/* expand_dbname: 'dbname' may hold a whole conninfo string or URI. */
	if ((c = PQconnectdbParams(keys, vals, 1)) == NULL) {
		errbuf_set(eb, "cannot connect to the database: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		errbuf_set(eb, "cannot connect to the database: %s",
		    PQerrorMessage(c));
		chomp(eb);
		PQfinish(c);
		return NULL;
	}
	return c;
}

PGresult *
vdb_exec(PGconn *c, const char *sql, int n, const char *const *vals,
    char *sqlstate, struct errbuf *eb)
{
	PGresult *res;
	ExecStatusType st;
	const char *state, *msg;

	if (sqlstate != NULL)
		sqlstate[0] = '\0';
	if (trace_fp != NULL)
		trace(c, sql, n, vals);
	res = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
	if (res == NULL) {
		errbuf_set(eb, "database: %s", PQerrorMessage(c));
		chomp(eb);
		return NULL;
	}
	st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (sqlstate != NULL && state != NULL)
		snprintf(sqlstate, 6, "%s", state);
	if (msg != NULL)
		errbuf_set(eb, "database: %s (SQLSTATE %s)", msg,
		    state != NULL ? state : "?");
	else
		errbuf_set(eb, "database: %s", PQerrorMessage(c));
	chomp(eb);
	PQclear(res);
	return NULL;
}

int
vdb_cmd(PGconn *c, const char *sql, int n, const char *const *vals,
    struct errbuf *eb)
{
	PGresult *res;

	if ((res = vdb_exec(c, sql, n, vals, NULL, eb)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
vdb_begin(PGconn *c, long long timeout_ms, int read_only, struct errbuf *eb)
{
	char ms[32];
	const char *vals[1];

	snprintf(ms, sizeof(ms), "%lld", timeout_ms);
	vals[0] = ms;
	if (vdb_cmd(c,
		"SELECT set_config('statement_timeout', $1, false), "
		"set_config('TimeZone', 'UTC', false), "
		"set_config('jit', 'off', false)",
		1, vals, eb) != 0)
		return -1;
	return vdb_cmd(c,
	    read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
		      : "BEGIN ISOLATION LEVEL READ COMMITTED",
	    0, NULL, eb);
}

int
vdb_exists(PGconn *c, const char *name, int is_function, struct errbuf *eb)
{
	PGresult *res;
	const char *vals[1];
	int rc;

	vals[0] = name;
	res = vdb_exec(c,
	    is_function ? "SELECT to_regprocedure($1) IS NOT NULL"
			: "SELECT to_regclass($1) IS NOT NULL",
	    1, vals, NULL, eb);
	if (res == NULL)
		return -1;
	rc = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int
vdb_column(PGconn *c, const char *table, const char *column, struct errbuf *eb)
{
	PGresult *res;
	const char *vals[2];
	int rc;

	vals[0] = table;
	vals[1] = column;
	res = vdb_exec(c,
	    "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute "
	    "WHERE attrelid = to_regclass($1) AND attname = $2 "
	    "AND attnum > 0 AND NOT attisdropped)",
	    2, vals, NULL, eb);
	if (res == NULL)
		return -1;
	rc = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}
