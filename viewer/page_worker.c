/*
 * page_worker.c --
 *	?page=worker&worker=NAME: one worker's record, its jobs by state,
 *	its results per hour over the day before 'at', and its latest traces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"
#include "vdb.h"
#include "view.h"

#define WORKER(loc)                                                            \
	"SELECT worker_id, array_to_string(caps, ','), enabled, "              \
	"       to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), "                \
	"       to_char(revoked_at, 'YYYY-MM-DD HH24:MI:SS'), "                \
	"       to_char(last_seen, 'YYYY-MM-DD HH24:MI:SS'), "                 \
	"       coalesce(version, ''), spool_depth, "                          \
	"       coalesce(round(clock_offset_ms::numeric, 1)::text, ''), "      \
	"       coalesce(location_label, ''), "                                \
	"       coalesce(" loc ", '') "                                        \
	"FROM pingsvc.workers WHERE name = $2 AND created_at <= " VIEW_AT

/* [stored coordinates (migration 0020): no PostGIS in the request] */
static const char *const SQL_WORKER[2] = {
	WORKER("public.ST_AsText(location::public.geometry)"),
	WORKER("'POINT(' || location_lon || ' ' || location_lat || ')'"),
};

static const char SQL_JOBS[] =
    "SELECT state, count(*) FROM pingsvc.jobs WHERE worker_id = $1 "
    "GROUP BY state ORDER BY state";

static const char SQL_RATE[] =
    "WITH c AS (SELECT date_trunc('hour', ts) AS h, count(*) AS n "
    "           FROM pingsvc.results "
    "           WHERE worker_id = $2 "
    "             AND ts >= to_timestamp(floor($1::float8 / 3600) * 3600 "
    "                                    - 82800) "
    "             AND ts <= " VIEW_AT " GROUP BY 1) "
    "SELECT extract(epoch FROM s.h), coalesce(c.n, 0) "
    "FROM generate_series(date_trunc('hour', " VIEW_AT ") "
    "                         - interval '23 hours', "
    "                     date_trunc('hour', " VIEW_AT "), "
    "                     interval '1 hour') s(h) "
    "LEFT JOIN c ON c.h = s.h ORDER BY s.h";

/* clang-format off */
/*
 * The newest traces of the vantage in the $4 seconds before 'at'.  The
 * page asks the last day first and the 30 days only when the day holds
 * fewer than max_rows: the planner then opens one or two daily partitions
 * (and their indexes) instead of thirty, which is most of the cost of the
 * query on a fresh connection.
 */
static const char SQL_TRACES[] =
    "SELECT to_char(ts, 'YYYY-MM-DD HH24:MI:SS'), host(target), proto, "
    "       coalesce(paris_id::text, ''), reached, " VIEW_PATH_SQL("path") " "
    "FROM pingsvc.traces "
    "WHERE vantage = $2 AND ts <= " VIEW_AT " "
    "      AND ts > to_timestamp($1::float8 - $4::float8) "
    "ORDER BY ts DESC LIMIT $3";
/* clang-format on */

int
page_worker(struct view *v)
{
	PGresult *res = NULL;
	const char *name = cgi_get(v->params, "worker"), *vals[4];
	const char *hidden[] = { "worker", name, NULL };
	char id[32], lim[32];
	double *t = NULL, *y = NULL;
	int i, n, ll, rc = -1;

	if (name == NULL) {
		v->status = 400;
		errbuf_set(v->eb, "worker: required");
		return -1;
	}
	vals[0] = v->at_epoch;
	vals[1] = name;
	html_begin(v->h, "Worker", "worker", v->at, hidden);
	if ((ll = vdb_column(v->db, "pingsvc.workers", "location_lon", v->eb)) <
		0 ||
	    (res = vdb_exec(v->db, SQL_WORKER[ll], 2, vals, NULL, v->eb)) ==
		NULL)
		goto out;
	if (PQntuples(res) != 1) {
		v->status = 404;
		html_put(
		    v->h, "<p class=\"notice\">No worker named %s.</p>", name);
		html_end(v->h);
		rc = 0;
		goto out;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	html_put(v->h,
	    "<table class=\"worker-detail\">"
	    "<tr><th>name</th><td id=\"worker-name\">%s</td></tr>"
	    "<tr><th>capabilities</th><td>%s</td></tr>"
	    "<tr><th>enabled</th><td>%r</td></tr>"
	    "<tr><th>enrolled</th><td>%s</td></tr>"
	    "<tr><th>revoked</th><td>%s</td></tr>"
	    "<tr><th>last seen</th><td>%s</td></tr>"
	    "<tr><th>version</th><td>%s</td></tr>"
	    "<tr><th>spool depth</th><td>%s</td></tr>"
	    "<tr><th>clock offset (ms)</th><td>%s</td></tr>"
	    "<tr><th>location</th><td>%s %s</td></tr></table>\n",
	    name, PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2)[0] == 't' ? "yes" : "no",
	    PQgetvalue(res, 0, 3),
	    PQgetisnull(res, 0, 4) ? "no" : PQgetvalue(res, 0, 4),
	    PQgetisnull(res, 0, 5) ? "never" : PQgetvalue(res, 0, 5),
	    PQgetvalue(res, 0, 6), PQgetvalue(res, 0, 7), PQgetvalue(res, 0, 8),
	    PQgetvalue(res, 0, 9), PQgetvalue(res, 0, 10));
	PQclear(res);

	vals[0] = id;
	if ((res = vdb_exec(v->db, SQL_JOBS, 1, vals, NULL, v->eb)) == NULL)
		goto out;
	html_put(v->h,
	    "<h2>Jobs leased by this worker (now)</h2>"
	    "<table class=\"jobs\"><tr><th>state</th><th>count</th>"
	    "</tr>");
	for (i = 0; i < PQntuples(res); i++)
		html_put(v->h, "<tr><td>%s</td><td>%s</td></tr>",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	if (PQntuples(res) == 0)
		html_put(v->h, "<tr><td colspan=\"2\">none</td></tr>");
	html_put(v->h, "</table>\n");
	PQclear(res);

	vals[0] = v->at_epoch;
	vals[1] = id;
	if ((res = vdb_exec(v->db, SQL_RATE, 2, vals, NULL, v->eb)) == NULL)
		goto out;
	n = PQntuples(res);
	t = calloc((size_t)n + 1, sizeof(double));
	y = calloc((size_t)n + 1, sizeof(double));
	if (t == NULL || y == NULL) {
		errbuf_set(v->eb, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		t[i] = strtod(PQgetvalue(res, i, 0), NULL);
		y[i] = strtod(PQgetvalue(res, i, 1), NULL);
	}
	html_put(v->h, "<h2>Results per hour, last day</h2>");
	svg_timeplot(v->h, "rate", "results per hour", "/h", SVG_BARS,
	    (size_t)n, t, y, NULL, NULL);
	PQclear(res);

	vals[1] = name;
	snprintf(lim, sizeof(lim), "%lld", v->conf->max_rows);
	vals[2] = lim;
	vals[3] = "86400";
	if ((res = vdb_exec(v->db, SQL_TRACES, 4, vals, NULL, v->eb)) == NULL)
		goto out;
	if (PQntuples(res) < v->conf->max_rows) {
		PQclear(res);
		vals[3] = "2592000";
		if ((res = vdb_exec(v->db, SQL_TRACES, 4, vals, NULL, v->eb)) ==
		    NULL)
			goto out;
	}
	html_put(v->h,
	    "<h2>Latest traces from this vantage</h2>"
	    "<table class=\"traces\"><tr><th>time (UTC)</th>"
	    "<th>target</th><th>proto</th><th>paris id</th>"
	    "<th>path</th></tr>");
	for (i = 0; i < PQntuples(res); i++) {
		html_put(v->h, "<tr class=\"trace\"><td>%s</td><td>",
		    PQgetvalue(res, i, 0));
		view_link_target(v, PQgetvalue(res, i, 1));
		html_put(v->h, "%r</td><td>%s</td><td>%s</td><td>",
		    PQgetvalue(res, i, 4)[0] == 't' ? "" : " (not reached)",
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
		view_path(v, PQgetvalue(res, i, 5), PQgetvalue(res, i, 1));
		html_put(v->h, "</td></tr>");
	}
	if (PQntuples(res) == 0)
		html_put(v->h,
		    "<tr><td colspan=\"5\">none in the 30 days "
		    "before this time</td></tr>");
	html_put(v->h, "</table>\n");
	html_end(v->h);
	rc = 0;
out:
	PQclear(res);
	free(t);
	free(y);
	return rc;
}
