/*
 * page_target.c --
 *	?page=target&target=ADDR: the target's record, its current path from
 *	each vantage (per vantage, protocol and Paris id: the path in force
 *	at 'at' from the route history, else the latest trace, traced in the
 *	30 days before) as a row of hop boxes, its
 *	newest 500 route changes on a timeline, and its
 *	RTT over the day before 'at' (p10..p90 band and median, from the
 *	hops that answered as the target and from ping results).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"
#include "vdb.h"
#include "view.h"

static const char SQL_TARGET[] =
    "SELECT source, state, round(reliability::numeric, 2), "
    "       to_char(first_seen, 'YYYY-MM-DD HH24:MI:SS'), "
    "       coalesce(to_char(last_probed, 'YYYY-MM-DD HH24:MI:SS'), "
    "                'never'), coalesce(asn::text, '') "
    "FROM pingsvc.targets WHERE address = $1::inet";

/* clang-format off */
/*
 * The current path from each vantage: [0] the latest trace of each flow
 * in the 30 days before 'at'; [1] from the route history, the path each
 * flow was on at 'at' (merged over its traces), seen in those 30 days.
 * Columns: vantage, proto, paris id, since (history only), last traced,
 * reached, path.
 */
static const char *const SQL_PATHS[2] = {
	"SELECT DISTINCT ON (vantage, proto, paris_id) "
	"       vantage, proto, coalesce(paris_id::text, ''), '', "
	"       to_char(ts, 'YYYY-MM-DD HH24:MI:SS'), reached, "
	"       " VIEW_PATH_SQL("path") " "
	"FROM pingsvc.traces "
	"WHERE target = $2::inet AND ts <= " VIEW_AT " "
	"  AND ts > " VIEW_AT_AGO("2592000") " "
	"ORDER BY vantage, proto, paris_id, ts DESC",
	"SELECT f.vantage, f.proto, coalesce(f.paris_id::text, ''), "
	"       to_char(p.valid_from, 'YYYY-MM-DD HH24:MI:SS'), "
	"       to_char(p.last_seen, 'YYYY-MM-DD HH24:MI:SS'), "
	"       p.reached_ttl IS NOT NULL, " VIEW_PATH_SQL("p.path") " "
	"FROM pingsvc.flows f " VIEW_HISTORY_PATH
	"WHERE f.target = $2::inet AND f.first_seen <= " VIEW_AT " "
	"  AND p.last_seen > " VIEW_AT_AGO("2592000") " "
	"ORDER BY f.vantage, f.proto, f.paris_id",
};
/* clang-format on */

/* The newest 500 changes, oldest first. */
static const char SQL_CHANGES[] =
    "SELECT * FROM ("
    "  SELECT change_id, extract(epoch FROM detected_at) AS t, "
    "         to_char(detected_at, 'YYYY-MM-DD HH24:MI:SS'), vantage, kind, "
    "         diverge_ttl, coalesce(rejoin_ttl::text, '-') "
    "  FROM pingsvc.route_changes "
    "  WHERE target = $2::inet AND detected_at <= " VIEW_AT " "
    "  ORDER BY detected_at DESC LIMIT 500) c ORDER BY t";

/*
 * RTT percentiles per 30-minute bin of the day before 'at': replies of
 * the target itself in traceroutes, and ping replies ("rtt" of result[]).
 */
static const char SQL_RTT[] =
    "WITH s AS ("
    "  SELECT h.ts, h.rtt_ms AS rtt FROM pingsvc.hops h "
    "  WHERE h.address = $2::inet AND h.rtt_ms IS NOT NULL "
    "    AND h.ts > " VIEW_AT_AGO(
	"86400") " AND h.ts <= " VIEW_AT " "
		 "  UNION ALL "
		 "  SELECT r.ts, (e->>'rtt')::double precision FROM "
		 "pingsvc.results r, "
		 "         jsonb_array_elements(CASE "
		 "jsonb_typeof(r.body->'result') "
		 "             WHEN 'array' THEN r.body->'result' ELSE '[]' "
		 "END) e "
		 "  WHERE r.target = $2::inet AND r.type = 'ping' "
		 "    AND jsonb_typeof(e->'rtt') = 'number' "
		 "    AND r.ts > " VIEW_AT_AGO(
		     "86400") " AND r.ts <= " VIEW_AT ") "
			      "SELECT extract(epoch FROM date_bin('30 "
			      "minutes', ts, "
			      "                                   "
			      "'2000-01-01'::timestamptz)) b, "
			      "       percentile_cont(0.1) WITHIN GROUP (ORDER "
			      "BY rtt), "
			      "       percentile_cont(0.5) WITHIN GROUP (ORDER "
			      "BY rtt), "
			      "       percentile_cont(0.9) WITHIN GROUP (ORDER "
			      "BY rtt), count(*) "
			      "FROM s GROUP BY b ORDER BY b";

static const char *
kind_colour(const char *kind)
{
	if (strcmp(kind, "hop") == 0)
		return "#e80";
	if (strcmp(kind, "length") == 0)
		return "#26c";
	return "#c22";
}

static void
timeline(struct view *v, PGresult *res)
{
	int i, n = PQntuples(res);
	double t0, t1, x;

	html_put(v->h,
	    "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"640\" height=\"60\" viewBox=\"0 0 640 60\" role=\"img\">"
	    "<title>route changes over time</title>"
	    "<line x1=\"20\" y1=\"30\" x2=\"620\" y2=\"30\" stroke=\"#888\"/>");
	if (n == 0) {
		html_put(v->h,
		    "<text x=\"260\" y=\"22\" font-size=\"12\" "
		    "fill=\"#888\">no route changes</text></svg>\n");
		return;
	}
	t0 = strtod(PQgetvalue(res, 0, 1), NULL);
	t1 = strtod(PQgetvalue(res, n - 1, 1), NULL);
	if (t1 <= t0)
		t1 = t0 + 1;
	for (i = 0; i < n; i++) {
		x = n == 1 ? 320
			   : 20 +
			(strtod(PQgetvalue(res, i, 1), NULL) - t0) / (t1 - t0) *
			    600;
		html_put(v->h,
		    "<circle class=\"change kind-%s\" cx=\"%.1f\" cy=\"30\" "
		    "r=\"6\" fill=\"%r\"><title>%s %s from %s, TTL %s..%s"
		    "</title></circle>",
		    PQgetvalue(res, i, 4), x,
		    kind_colour(PQgetvalue(res, i, 4)), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 4), PQgetvalue(res, i, 3),
		    PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
	}
	html_put(v->h,
	    "<text x=\"20\" y=\"54\" font-size=\"10\">%s</text>"
	    "<text x=\"620\" y=\"54\" font-size=\"10\" "
	    "text-anchor=\"end\">%s</text></svg>\n",
	    PQgetvalue(res, 0, 2), PQgetvalue(res, n - 1, 2));
}

int
page_target(struct view *v)
{
	PGresult *res = NULL;
	const char *addr = cgi_get(v->params, "target"), *vals[2];
	const char *hidden[] = { "target", addr, NULL };
	double *t = NULL, *lo = NULL, *mid = NULL, *hi = NULL;
	int i, n, history, rc = -1;

	if (addr == NULL) {
		v->status = 400;
		errbuf_set(v->eb, "target: required");
		return -1;
	}
	vals[0] = v->at_epoch;
	vals[1] = addr;
	html_begin(v->h, "Target", "target", v->at, hidden);
	html_put(v->h,
	    "<p>Address <b id=\"target-address\">%s</b> &#8212; "
	    "<a href=\"?page=changes&amp;target=%u\">changes</a> "
	    "&#183; <a href=\"?page=graph&amp;target=%u\">graph</a> "
	    "&#183; <a href=\"?page=geo&amp;target=%u\">map</a></p>",
	    addr, addr, addr, addr);
	if ((res = vdb_exec(v->db, SQL_TARGET, 1, vals + 1, NULL, v->eb)) ==
	    NULL)
		goto out;
	if (PQntuples(res) == 1)
		html_put(v->h,
		    "<table class=\"target-detail\"><tr><th>source</th>"
		    "<th>state</th><th>reliability</th><th>first seen</th>"
		    "<th>last probed</th><th>ASN</th></tr><tr><td>%s</td>"
		    "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
		    "</tr></table>\n",
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
		    PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5));
	else
		html_put(v->h,
		    "<p class=\"notice\">Not in the target list "
		    "(traces to it are shown if any).</p>");
	PQclear(res);

	if ((history = view_history(v)) < 0 ||
	    (res = vdb_exec(v->db, SQL_PATHS[history], 2, vals, NULL, v->eb)) ==
		NULL)
		goto out;
	html_put(v->h, "<h2>Current paths</h2><div id=\"paths\">");
	for (i = 0; i < PQntuples(res); i++) {
		html_put(v->h, "<div class=\"vpath\"><p>from ");
		view_link_worker(v, PQgetvalue(res, i, 0));
		html_put(v->h, ", %s, Paris id %s", PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2));
		/* From the history: since when, and the latest trace on the
		 * path, which for a past 'at' may come after it. */
		if (PQgetvalue(res, i, 3)[0] != '\0')
			html_put(v->h,
			    ", on this path since %s, last traced on it %s",
			    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
		else
			html_put(v->h, ", traced %s", PQgetvalue(res, i, 4));
		html_put(v->h, "%r</p>",
		    PQgetvalue(res, i, 5)[0] == 't'
			? ""
			: " (destination not reached)");
		view_path(v, PQgetvalue(res, i, 6), addr);
		html_put(v->h, "</div>");
	}
	if (PQntuples(res) == 0)
		html_put(
		    v->h, "<p>No trace to this address before this time.</p>");
	html_put(v->h, "</div>\n");
	PQclear(res);

	if ((res = vdb_exec(v->db, SQL_CHANGES, 2, vals, NULL, v->eb)) == NULL)
		goto out;
	html_put(v->h, "<h2>Route changes</h2>");
	timeline(v, res);
	PQclear(res);

	if ((res = vdb_exec(v->db, SQL_RTT, 2, vals, NULL, v->eb)) == NULL)
		goto out;
	n = PQntuples(res);
	t = calloc((size_t)n + 1, sizeof(double));
	lo = calloc((size_t)n + 1, sizeof(double));
	mid = calloc((size_t)n + 1, sizeof(double));
	hi = calloc((size_t)n + 1, sizeof(double));
	if (t == NULL || lo == NULL || mid == NULL || hi == NULL) {
		errbuf_set(v->eb, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		t[i] = strtod(PQgetvalue(res, i, 0), NULL);
		lo[i] = strtod(PQgetvalue(res, i, 1), NULL);
		mid[i] = strtod(PQgetvalue(res, i, 2), NULL);
		hi[i] = strtod(PQgetvalue(res, i, 3), NULL);
	}
	html_put(v->h, "<h2>Round-trip time, last day</h2>");
	svg_timeplot(v->h, "rtt", "RTT p10..p90 and median (30 min bins)", "ms",
	    SVG_BAND, (size_t)n, t, mid, lo, hi);
	html_end(v->h);
	rc = 0;
out:
	PQclear(res);
	free(t);
	free(lo);
	free(mid);
	free(hi);
	return rc;
}
