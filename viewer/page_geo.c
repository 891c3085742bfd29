/*
 * page_geo.c --
 *	?page=geo[&target=ADDR][&vantage=V]: a world map (the Natural Earth
 *	countries of pingsvc.basemap_countries, drawn with ST_AsSVG in an
 *	equirectangular projection) with the vantages (workers.location) and
 *	the hops of the latest trace of each flow placed where
 *	pingsvc.geolocations puts them (the most specific prefix wins), each
 *	trace a line through its located hops.  Without a filter, every flow
 *	seen in the 30 days before 'at' (up to 2000).  Without the basemap
 *	table (migration 0007 not applied or not loaded) the points are drawn
 *	on an empty frame, with a notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"
#include "view.h"

static const char SQL_BASEMAP[] =
    "SELECT name, public.ST_AsSVG(geom, 0, 2) "
    "FROM pingsvc.basemap_countries ORDER BY name";

/* $1 at, $2 target, $3 vantage. */
static const char SQL_POINTS[] =
    "WITH tr AS (SELECT DISTINCT ON (vantage, target, proto, paris_id) "
    "        trace_id, vantage, path FROM pingsvc.traces "
    "    WHERE ($2::inet IS NULL OR target = $2::inet) "
    "      AND ($3::text IS NULL OR vantage = $3::text) "
    "      AND ts <= " VIEW_AT " AND ts > " VIEW_AT_AGO(
	"2592000") " "
		   "    ORDER BY vantage, target, proto, paris_id, ts DESC "
		   "LIMIT 2000), "
		   "pt AS ("
		   "  SELECT tr.trace_id, u.i, host(u.p) AS label, g.location "
		   "  FROM tr, unnest(tr.path) WITH ORDINALITY u(p, i), "
		   "  LATERAL (SELECT location FROM pingsvc.geolocations "
		   "           WHERE prefix >>= u.p ORDER BY masklen(prefix) "
		   "DESC "
		   "           LIMIT 1) g "
		   "  WHERE u.p IS NOT NULL "
		   "  UNION ALL "
		   "  SELECT tr.trace_id, 0, tr.vantage, w.location "
		   "  FROM tr JOIN pingsvc.workers w ON w.name = tr.vantage "
		   "  WHERE w.location IS NOT NULL) "
		   "SELECT trace_id, i, label, "
		   "       "
		   "round(public.ST_X(location::public.geometry)::numeric, 3), "
		   "       "
		   "round((-public.ST_Y(location::public.geometry))::numeric, "
		   "3) "
		   "FROM pt ORDER BY trace_id, i";

int
page_geo(struct view *v)
{
	PGresult *res = NULL;
	const char *vals[3], *target = cgi_get(v->params, "target");
	const char *vantage = cgi_get(v->params, "vantage");
	const char *hidden[] = { "target", target, "vantage", vantage, NULL };
	const char *prev;
	int i, j, have, npts = 0, rc = -1;

	html_begin(v->h, "Geographic map", "geo", v->at, hidden);
	html_put(v->h,
	    "<form method=\"get\" action=\"\">"
	    "<input type=\"hidden\" name=\"page\" value=\"geo\">"
	    "<label>target <input name=\"target\" size=\"20\" value=\"%s\">"
	    "</label> <label>vantage <input name=\"vantage\" size=\"12\" "
	    "value=\"%s\"></label> <button>draw</button></form>\n",
	    target, vantage);
	if ((have = vdb_exists(v->db, "pingsvc.basemap_countries", 0, v->eb)) <
	    0)
		goto out;
	html_put(v->h,
	    "<svg class=\"geo\" id=\"geomap\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"1080\" height=\"540\" viewBox=\"-180 -90 360 180\" "
	    "role=\"img\"><title>hops on the world map</title>"
	    "<rect x=\"-180\" y=\"-90\" width=\"360\" height=\"180\" "
	    "fill=\"#dfeaf5\"/><g class=\"basemap\" fill=\"#f4f1e8\" "
	    "stroke=\"#a99\" stroke-width=\"0.15\">");
	if (have) {
		if ((res = vdb_exec(
			 v->db, SQL_BASEMAP, 0, NULL, NULL, v->eb)) == NULL)
			goto out;
		for (i = 0; i < PQntuples(res); i++)
			html_put(v->h,
			    "<path class=\"country\" d=\"%s\"><title>%s</title>"
			    "</path>",
			    PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));
		have = PQntuples(res) > 0;
		PQclear(res);
		res = NULL;
	}
	html_put(v->h, "</g>");

	vals[0] = v->at_epoch;
	vals[1] = target;
	vals[2] = vantage;
	if ((res = vdb_exec(v->db, SQL_POINTS, 3, vals, NULL, v->eb)) == NULL)
		goto out;
	/* One polyline per trace through its located points. */
	for (i = 0; i < PQntuples(res); i = j) {
		prev = PQgetvalue(res, i, 0);
		for (j = i; j < PQntuples(res) &&
		     strcmp(PQgetvalue(res, j, 0), prev) == 0;
		     j++)
			;
		if (j - i < 2)
			continue;
		html_put(v->h,
		    "<polyline class=\"route\" fill=\"none\" "
		    "stroke=\"#c60\" stroke-width=\"0.4\" "
		    "stroke-opacity=\"0.7\" points=\"");
		for (; i < j; i++)
			html_put(v->h, "%s,%s ", PQgetvalue(res, i, 3),
			    PQgetvalue(res, i, 4));
		html_put(v->h, "\"/>");
	}
	for (i = 0; i < PQntuples(res); i++) {
		npts++;
		html_put(v->h,
		    "<circle class=\"%r\" cx=\"%s\" cy=\"%s\" r=\"%r\" "
		    "fill=\"%r\" stroke=\"#fff\" stroke-width=\"0.2\">"
		    "<title>%s%s</title></circle>",
		    PQgetvalue(res, i, 1)[0] == '0' ? "vantage" : "hop",
		    PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 1)[0] == '0' ? "2.2" : "1.4",
		    PQgetvalue(res, i, 1)[0] == '0' ? "#06a" : "#c30",
		    PQgetvalue(res, i, 1)[0] == '0' ? "vantage " : "",
		    PQgetvalue(res, i, 2));
	}
	html_put(v->h, "</svg>\n<p id=\"geo-count\">%d located point%r.</p>",
	    npts, npts == 1 ? "" : "s");
	if (!have)
		html_put(v->h,
		    "<p class=\"notice\">No basemap loaded: run "
		    "viewer/load-basemap (see viewer/README.md).</p>");
	html_end(v->h);
	rc = 0;
out:
	PQclear(res);
	return rc;
}
