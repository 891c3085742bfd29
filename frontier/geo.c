/*
 * geo.c --
 *	See geo.h.  COPY into a temporary table, then one statement: the
 *	point comes from the row's coordinates, else from the country's
 *	ST_PointOnSurface in pingsvc.basemap_countries (Natural Earth; no finer
 *	gazetteer is loaded, so a geofeed's region and city are kept as text),
 *	with radius_km the radius of a disc of the country's area.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "geo.h"
#include "import_cmd.h"

static const char SQL_TEMP[] =
    "CREATE TEMP TABLE frontier_geo (prefix cidr NOT NULL, country text,"
    " region text, city text, lat float8, lon float8) ON COMMIT DROP";
static const char SQL_COPY[] =
    "COPY frontier_geo (prefix, country, region, city, lat, lon)"
    " FROM STDIN";
static const char SQL_STORE[] =
    "WITH src AS ("
    "  SELECT DISTINCT ON (f.prefix) f.prefix, f.country, f.region,"
    "         f.city, coalesce(public.ST_SetSRID("
    "             public.ST_MakePoint(f.lon, f.lat), 4326)::public.geography,"
    "             c.point) AS location,"
    "         CASE WHEN f.lat IS NULL THEN c.radius_km END AS radius_km"
    "    FROM frontier_geo f"
    "    LEFT JOIN LATERAL ("
    "         SELECT public.ST_PointOnSurface(b.geom)::public.geography"
    "                AS point,"
    "                least(sqrt(public.ST_Area(b.geom::public.geography)"
    "                           / pi()) / 1000, 20100) AS radius_km"
    "           FROM pingsvc.basemap_countries b"
    "          WHERE f.lat IS NULL AND b.iso_a2 = f.country"
    "          ORDER BY public.ST_Area(b.geom) DESC LIMIT 1) c ON true"
    "   ORDER BY f.prefix),"
    " gone AS ("
    "  DELETE FROM pingsvc.geolocations g"
    "   WHERE g.source = $1 AND g.method = $2"
    "     AND NOT EXISTS (SELECT 1 FROM src WHERE src.prefix = g.prefix"
    "                        AND src.location IS NOT NULL)"
    "  RETURNING 1),"
    " up AS ("
    "  INSERT INTO pingsvc.geolocations AS g (prefix, location, radius_km,"
    "         country, region, city, source, method, updated_at)"
    "  SELECT prefix, location, radius_km, country, region, city, $1, $2,"
    "         now()"
    "    FROM src WHERE location IS NOT NULL"
    "  ON CONFLICT (prefix) DO UPDATE"
    "     SET location = excluded.location,"
    "         radius_km = excluded.radius_km, country = excluded.country,"
    "         region = excluded.region, city = excluded.city,"
    "         source = excluded.source, method = excluded.method,"
    "         area_km2 = NULL, vantages = NULL,"
    "         updated_at = excluded.updated_at"
    "   WHERE g.method <> 'geofeed' OR excluded.method = 'geofeed'"
    "  RETURNING 1)"
    " SELECT (SELECT count(*) FROM up),"
    "        (SELECT count(*) FROM src WHERE location IS NULL),"
    "        (SELECT count(*) FROM gone)";

/* Append a COPY text field: the value escaped, or \N for NULL. */
static int
geo_field(struct buf *b, const char *s, char sep)
{
	if ((s == NULL ? buf_puts(b, "\\N") : import_cmd_copy_text(b, s)) == -1)
		return -1;
	return buf_append(b, &sep, 1);
}

int
geo_rows_add(struct geo_rows *g, const struct prefix *p, const char *country,
    const char *region, const char *city, const double *lat, const double *lon,
    struct errbuf *eb)
{
	char cidr[ADDR_STRLEN], num[64];

	prefix_format(p, cidr, sizeof(cidr));
	if (geo_field(&g->copy, cidr, '\t') == -1 ||
	    geo_field(&g->copy, country, '\t') == -1 ||
	    geo_field(&g->copy, region, '\t') == -1 ||
	    geo_field(&g->copy, city, '\t') == -1)
		return errbuf_set(eb, "out of memory");
	if (lat != NULL && lon != NULL) {
		snprintf(num, sizeof(num), "%.17g\t%.17g\n", *lat, *lon);
		if (buf_puts(&g->copy, num) == -1)
			return errbuf_set(eb, "out of memory");
	} else if (buf_puts(&g->copy, "\\N\t\\N\n") == -1)
		return errbuf_set(eb, "out of memory");
	g->n++;
	return 0;
}

void
geo_rows_free(struct geo_rows *g)
{
	if (g == NULL)
		return;
	buf_free(&g->copy);
	g->n = 0;
}

int
geo_store(PGconn *db, const struct geo_rows *g, const char *source,
    const char *method, struct geo_counts *c, struct errbuf *eb)
{
	PGresult *res = NULL;
	const char *params[2];
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (db_command(db, SQL_TEMP, 0, NULL, eb) == -1)
		return -1;
	if (db_copy_begin(db, SQL_COPY, eb) == -1)
		goto out;
	if (g->copy.len > 0 &&
	    PQputCopyData(db, g->copy.data, (int)g->copy.len) != 1) {
		errbuf_set(eb, "database: %s", PQerrorMessage(db));
		goto out;
	}
	if (db_copy_end(db, eb) == -1)
		goto out;
	params[0] = source;
	params[1] = method;
	if ((res = db_exec(db, SQL_STORE, 2, params, eb)) == NULL)
		goto out;
	c->located = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	c->unlocated = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	c->removed = strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	rc = 0;
out:
	PQclear(res);
	return rc;
}
