/*
 * geo_cmd.c --
 *	See geo_cmd.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "geo_cmd.h"
#include "import_cmd.h"
#include "import_dbip.h"
#include "source.h"

static const char SQL_WORKER_LOCATION[] =
    "UPDATE pingsvc.workers"
    "   SET location = public.ST_SetSRID(public.ST_MakePoint($3::float8,"
    "                  $2::float8), 4326)::public.geography,"
    "       location_label = coalesce($4, location_label)"
    " WHERE name = $1 RETURNING worker_id";

static int
geo_cmd_dbip_row(void *arg, const struct dbip_row *row, struct errbuf *eb)
{
	return geo_rows_add(arg, &row->prefix, row->country, row->region,
	    row->city, &row->lat, &row->lon, eb);
}

int
geo_cmd_dbip(PGconn *db, const char *path, const char *source,
    long long max_bytes, struct geo_dbip_counts *c, struct errbuf *eb)
{
	struct geo_rows g = GEO_ROWS_INIT;
	struct fetch_result f;
	int rc = -1, began = 0;

	memset(c, 0, sizeof(*c));
	if (source_get(db, path, "dbip", max_bytes, 1, &f, eb) == -1)
		goto out;
	if (f.unchanged) {
		c->unchanged = 1;
		rc = 0;
		goto out;
	}
	if (import_dbip_parse(
		f.body, f.len, geo_cmd_dbip_row, &g, &c->ranges, eb) == -1) {
		errbuf_prefix(eb, "%s", path);
		goto out;
	}
	c->prefixes = g.n;
	if (db_command(db, "BEGIN", 0, NULL, eb) == -1)
		goto out;
	began = 1;
	if (geo_store(db, &g, source, "database", &c->store, eb) == -1 ||
	    source_remember(db, path, "dbip", source, (long long)c->ranges,
		(long long)c->store.located, &f, eb) == -1 ||
	    db_command(db, "COMMIT", 0, NULL, eb) == -1)
		goto out;
	began = 0;
	rc = 0;
out:
	if (began)
		db_rollback(db);
	fetch_result_free(&f);
	geo_rows_free(&g);
	return rc;
}

int
geo_cmd_worker_location(PGconn *db, const char *name, double lat, double lon,
    const char *label, struct errbuf *eb)
{
	PGresult *res;
	char slat[64], slon[64];
	const char *params[4];
	int rc = -1;

	snprintf(slat, sizeof(slat), "%.17g", lat);
	snprintf(slon, sizeof(slon), "%.17g", lon);
	params[0] = name;
	params[1] = slat;
	params[2] = slon;
	params[3] = label;
	if ((res = db_exec(db, SQL_WORKER_LOCATION, 4, params, eb)) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		errbuf_set(eb,
		    "no worker named \"%s\" (enrol it first: pingsvc-ingest "
		    "enroll)",
		    name);
	else
		rc = 0;
	PQclear(res);
	return rc;
}
