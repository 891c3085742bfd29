/*
 * source.c --
 *	Files and conditionally fetched URLs as import input; see source.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "import_cmd.h"
#include "source.h"

static const char SQL_VALIDATORS[] =
    "SELECT etag, last_modified FROM pingsvc.import_sources"
    " WHERE source = $1 AND format = $2";
static const char SQL_REMEMBER[] =
    "INSERT INTO pingsvc.import_sources AS s"
    "       (source, format, provider, last_import, addresses, added,"
    "        etag, last_modified)"
    " VALUES ($1, $2, $3, now(), $4, $5, $6, $7)"
    " ON CONFLICT (source) DO UPDATE"
    "    SET format = excluded.format, provider = excluded.provider,"
    "        last_import = excluded.last_import,"
    "        addresses = excluded.addresses, added = excluded.added,"
    "        etag = excluded.etag, last_modified = excluded.last_modified";

int
source_get(PGconn *db, const char *path, const char *format, long long max,
    int conditional, struct fetch_result *f, struct errbuf *eb)
{
	PGresult *res = NULL;
	const char *params[2], *etag = NULL, *lastmod = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!fetch_is_url(path))
		return import_cmd_read(path, max, &f->body, &f->len, eb);
	if (conditional) {
		params[0] = path;
		params[1] = format;
		if ((res = db_exec(db, SQL_VALIDATORS, 2, params, eb)) == NULL)
			return -1;
		if (PQntuples(res) == 1) {
			if (!PQgetisnull(res, 0, 0))
				etag = PQgetvalue(res, 0, 0);
			if (!PQgetisnull(res, 0, 1))
				lastmod = PQgetvalue(res, 0, 1);
		}
	}
	rc = fetch_url(path, etag, lastmod, (size_t)max, f, eb);
	PQclear(res);
	return rc;
}

int
source_remember(PGconn *db, const char *path, const char *format,
    const char *provider, long long count, long long added,
    const struct fetch_result *f, struct errbuf *eb)
{
	char ncount[32], nadded[32];
	const char *params[7];

	snprintf(ncount, sizeof(ncount), "%lld", count);
	snprintf(nadded, sizeof(nadded), "%lld", added);
	params[0] = path;
	params[1] = format;
	params[2] = provider;
	params[3] = ncount;
	params[4] = nadded;
	params[5] = f->etag;
	params[6] = f->last_modified;
	return db_command(db, SQL_REMEMBER, 7, params, eb);
}
