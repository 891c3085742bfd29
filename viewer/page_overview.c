/*
 * page_overview.c --
 *	?page=overview (the default): workers online and offline, the job
 *	queue by state, results per minute over the hour before 'at', targets
 *	by state, and hop-discovered targets over time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"
#include "vdb.h"
#include "view.h"

static const char SQL_WORKERS[] =
    "SELECT name, array_to_string(caps, ','), enabled, "
    "       revoked_at IS NOT NULL, "
    "       to_char(last_seen, 'YYYY-MM-DD HH24:MI:SS'), "
    "       coalesce(last_seen >= " VIEW_AT " - make_interval(secs => $2) "
    "                AND last_seen <= " VIEW_AT " + interval '1 minute', "
    "                false), "
    "       coalesce(version, ''), spool_depth "
    "FROM pingsvc.workers WHERE created_at <= " VIEW_AT " "
    "ORDER BY name";

/*
 * Open jobs (each state has its partial index), and those finished in the
 * last day (jobs_finished_idx, migration 0012): done jobs pile up forever,
 * so counting them all would read the whole table on every request.
 */
static const char SQL_QUEUE[] =
    "SELECT 'ready', count(*) FROM pingsvc.jobs WHERE state = 'ready' "
    "UNION ALL "
    "SELECT 'leased', count(*) FROM pingsvc.jobs WHERE state = 'leased' "
    "UNION ALL "
    "SELECT 'done (last 24 h)', count(*) FROM pingsvc.jobs "
    "WHERE state = 'done' AND done_at > now() - interval '1 day' "
    "UNION ALL "
    "SELECT 'failed (last 24 h)', count(*) FROM pingsvc.jobs "
    "WHERE state = 'failed' AND done_at > now() - interval '1 day'";

/* Count once, then spread over the minutes (not a join per minute). */
static const char SQL_RATE[] =
    "WITH c AS (SELECT date_trunc('minute', ts) AS m, count(*) AS n "
    "           FROM pingsvc.results "
    "           WHERE ts > " VIEW_AT_AGO(
	"3600") " "
		"             AND ts <= " VIEW_AT " GROUP BY 1) "
		"SELECT extract(epoch FROM s.m), coalesce(c.n, 0) "
		"FROM generate_series(date_trunc('minute', " VIEW_AT ") "
		"                         - interval '59 minutes', "
		"                     date_trunc('minute', " VIEW_AT "), "
		"                     interval '1 minute') s(m) "
		"LEFT JOIN c ON c.m = s.m ORDER BY s.m";

static const char SQL_TARGETS[] =
    "SELECT state, count(*) FROM pingsvc.targets "
    "WHERE first_seen <= " VIEW_AT " GROUP BY state ORDER BY state";

/* Hop-discovered targets, cumulative, in 48 steps up to 'at'. */
static const char SQL_DISCOVERED[] =
    "WITH b AS (SELECT least(min(first_seen), " VIEW_AT " - interval "
    "                 '1 hour') AS t0 "
    "           FROM pingsvc.targets WHERE source = 'hop'), "
    "s AS (SELECT b.t0 + (" VIEW_AT " - b.t0) * i / 48 AS t "
    "      FROM b, generate_series(0, 48) i) "
    "SELECT extract(epoch FROM s.t), "
    "       (SELECT count(*) FROM pingsvc.targets "
    "        WHERE source = 'hop' AND first_seen <= s.t) "
    "FROM s ORDER BY s.t";

/* series -- Read (epoch, value) rows into new arrays (caller frees). */
static int
series(PGresult *res, double **t, double **y)
{
	int i, n = PQntuples(res);

	*t = calloc((size_t)n + 1, sizeof(double));
	*y = calloc((size_t)n + 1, sizeof(double));
	if (*t == NULL || *y == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		(*t)[i] = strtod(PQgetvalue(res, i, 0), NULL);
		(*y)[i] = strtod(PQgetvalue(res, i, 1), NULL);
	}
	return n;
}

/* counts -- A two-column (label, count) result as a small table. */
static void
counts(struct view *v, PGresult *res, const char *cls, const char *what)
{
	int i;

	html_put(v->h, "<table class=\"%s\"><tr><th>%s</th><th>count</th></tr>",
	    cls, what);
	for (i = 0; i < PQntuples(res); i++)
		html_put(v->h, "<tr><td>%s</td><td>%s</td></tr>",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	if (PQntuples(res) == 0)
		html_put(v->h, "<tr><td colspan=\"2\">none</td></tr>");
	html_put(v->h, "</table>\n");
}

int
page_overview(struct view *v)
{
	PGresult *res = NULL;
	double *t = NULL, *y = NULL;
	char secs[32];
	const char *vals[2];
	int i, n, online = 0, rc = -1;

	vals[0] = v->at_epoch;
	snprintf(secs, sizeof(secs), "%lld", v->conf->online_after_s);
	vals[1] = secs;
	html_begin(v->h, "Overview", "overview", v->at, NULL);

	if ((res = vdb_exec(v->db, SQL_WORKERS, 2, vals, NULL, v->eb)) == NULL)
		goto out;
	for (i = 0; i < PQntuples(res); i++)
		online += PQgetvalue(res, i, 5)[0] == 't';
	html_put(v->h,
	    "<h2>Workers</h2><p id=\"workers-summary\">%d online, %d offline "
	    "(online: seen within %lld s)</p>"
	    "<table class=\"workers\"><tr><th>name</th><th>status</th>"
	    "<th>last seen (UTC)</th><th>caps</th><th>version</th>"
	    "<th>spool</th></tr>",
	    online, PQntuples(res) - online, v->conf->online_after_s);
	for (i = 0; i < PQntuples(res); i++) {
		html_put(v->h, "<tr class=\"worker\"><td>");
		view_link_worker(v, PQgetvalue(res, i, 0));
		html_put(v->h,
		    "</td><td class=\"%r\">%r</td><td>%s</td><td>%s</td>"
		    "<td>%s</td><td>%s</td></tr>",
		    PQgetvalue(res, i, 5)[0] == 't' ? "ok" : "bad",
		    PQgetvalue(res, i, 3)[0] == 't'       ? "revoked"
			: PQgetvalue(res, i, 2)[0] != 't' ? "disabled"
			: PQgetvalue(res, i, 5)[0] == 't' ? "online"
							  : "offline",
		    PQgetisnull(res, i, 4) ? "never" : PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 6),
		    PQgetvalue(res, i, 7));
	}
	html_put(v->h, "</table>\n");
	PQclear(res);

	if ((res = vdb_exec(v->db, SQL_QUEUE, 0, NULL, NULL, v->eb)) == NULL)
		goto out;
	html_put(v->h, "<h2>Job queue (now)</h2>");
	counts(v, res, "queue", "state");
	PQclear(res);

	if ((res = vdb_exec(v->db, SQL_TARGETS, 1, vals, NULL, v->eb)) == NULL)
		goto out;
	html_put(v->h, "<h2>Targets by state</h2>");
	counts(v, res, "targets", "state");
	PQclear(res);

	if ((res = vdb_exec(v->db, SQL_RATE, 1, vals, NULL, v->eb)) == NULL)
		goto out;
	if ((n = series(res, &t, &y)) < 0) {
		errbuf_set(v->eb, "out of memory");
		goto out;
	}
	html_put(v->h, "<h2>Results per minute, last hour</h2>");
	svg_timeplot(v->h, "rate", "results per minute", "/min", SVG_BARS,
	    (size_t)n, t, y, NULL, NULL);
	PQclear(res);
	free(t);
	free(y);
	t = y = NULL;

	if ((res = vdb_exec(v->db, SQL_DISCOVERED, 1, vals, NULL, v->eb)) ==
	    NULL)
		goto out;
	if ((n = series(res, &t, &y)) < 0) {
		errbuf_set(v->eb, "out of memory");
		goto out;
	}
	html_put(v->h, "<h2>Targets discovered from traceroute hops</h2>");
	svg_timeplot(v->h, "discovered", "hop targets (cumulative)", "",
	    SVG_LINE, (size_t)n, t, y, NULL, NULL);

	html_put(v->h,
	    "<h2>Look up</h2><form method=\"get\" action=\"\">"
	    "<input type=\"hidden\" name=\"page\" value=\"target\">"
	    "<label>target address <input name=\"target\" size=\"30\">"
	    "</label> <button>show</button></form>");
	html_end(v->h);
	rc = 0;
out:
	PQclear(res);
	free(t);
	free(y);
	return rc;
}
