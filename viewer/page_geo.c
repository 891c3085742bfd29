/*
 * page_geo.c --
 *	?page=geo[&target=ADDR][&vantage=V]: a world map (the Natural Earth
 *	countries of pingsvc.basemap_countries, drawn with ST_AsSVG in an
 *	equirectangular projection) with the vantages (workers.location) and
 *	the hops of the path of each flow at 'at' (from the route history,
 *	else its latest trace) placed where pingsvc.geolocations puts them
 *	(the most specific prefix wins), each address drawn once, each path
 *	a line through its located hops.  With a filter, every flow seen in
 *	the 30 days before 'at' (up to 2000); without one, the 500 most
 *	recently traced flows.  The outlines are SVG path data stored when
 *	the map was loaded (basemap_countries.svg_path, migration 0017).
 *	Without the basemap table (migration 0007 not applied or not loaded)
 *	the points are drawn on an empty frame, with a notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"
#include "view.h"

/*
 * The outlines as SVG path data: made once when the map is loaded (the
 * stored column svg_path of migration 0017) or, on an older schema, by
 * ST_AsSVG on every request.
 */
static const char SQL_BASEMAP_STORED[] =
    "SELECT name, svg_path FROM pingsvc.basemap_countries ORDER BY name";
static const char SQL_BASEMAP[] =
    "SELECT name, public.ST_AsSVG(geom, 0, 2) "
    "FROM pingsvc.basemap_countries ORDER BY name";

/*
 * The located points of each path: its vantage (i = 0) and its hops at
 * the most specific geolocation prefix, ordered by (trace_id, i).  Each
 * distinct address is looked up and projected once (hash aggregates, not
 * a window sorted by label); which row draws an address (its first in
 * that order) is decided while drawing (drawn_once()), not by the query.
 * $1 at, $2 target, $3 vantage.
 */
/* clang-format off */
/* Columns x, y: geography G in the map's coordinates (longitude,
 * -latitude), 3 decimals. */
#define PROJECT(g) \
	"round(public.ST_X(" g "::public.geometry)::numeric, 3) AS x, " \
	"round((-public.ST_Y(" g "::public.geometry))::numeric, 3) AS y"
/* The same from the stored longitude and latitude of migration 0020: no
 * PostGIS function, so the backend does not load the library. */
#define PROJECT_LL(lon, lat) \
	"round(" lon "::numeric, 3) AS x, round((-" lat ")::numeric, 3) AS y"
#define POINTS(flows, gloc, gcol, wloc) \
	"WITH " flows ", " \
	"p0 AS (SELECT tr.trace_id, u.i, u.p " \
	"  FROM tr, unnest(tr.path) WITH ORDINALITY u(p, i) " \
	"  WHERE u.p IS NOT NULL), " \
	"loc AS (SELECT d.p, host(d.p) AS label, " gloc " " \
	"  FROM (SELECT DISTINCT p FROM p0) d, " \
	"  LATERAL (SELECT " gcol " FROM pingsvc.geolocations " \
	"           WHERE prefix >>= d.p ORDER BY masklen(prefix) DESC " \
	"           LIMIT 1) g), " \
	"vl AS (SELECT w.name, " wloc " " \
	"  FROM (SELECT DISTINCT vantage FROM tr) d " \
	"  JOIN pingsvc.workers w ON w.name = d.vantage " \
	"  WHERE w.location IS NOT NULL) " \
	"SELECT p0.trace_id, p0.i, loc.label, loc.x, loc.y " \
	"FROM p0 JOIN loc ON loc.p = p0.p " \
	"UNION ALL " \
	"SELECT tr.trace_id, 0, tr.vantage, vl.x, vl.y " \
	"FROM tr JOIN vl ON vl.name = tr.vantage " \
	"ORDER BY 1, 2"
/* clang-format on */

/*
 * [history][filtered]: from the route history, the path at 'at' of every
 * flow matching the filter (up to 2000) or of the 500 most recently traced
 * flows; without it, the latest trace of those flows (without a filter,
 * the flows of the newest 2500 traces, at most 500).
 */
#define OLD PROJECT("g.location"), "location", PROJECT("w.location")
#define STORED                                                                 \
	PROJECT_LL("g.lon", "g.lat"), "lon, lat",                              \
	    PROJECT_LL("w.location_lon", "w.location_lat")
#define POINTS_(flows, cols) POINTS(flows, cols)

/* [stored coordinates][history][filtered] */
static const char *const SQL_POINTS[2][2][2] = {
	{
	    { POINTS_(VIEW_RECENT_FLOWS("2500", "500"), OLD),
		POINTS_(VIEW_FLOWS("2000"), OLD) },
	    { POINTS_(VIEW_HISTORY_RECENT("500"), OLD),
		POINTS_(VIEW_HISTORY_FLOWS("2000"), OLD) },
	},
	{
	    { POINTS_(VIEW_RECENT_FLOWS("2500", "500"), STORED),
		POINTS_(VIEW_FLOWS("2000"), STORED) },
	    { POINTS_(VIEW_HISTORY_RECENT("500"), STORED),
		POINTS_(VIEW_HISTORY_FLOWS("2000"), STORED) },
	},
};
/*
 * drawn_once --
 *	Whether row r is the first of its point (a vantage, i = 0, or a hop
 *	address) in the result's order: the one that draws it.  'seen' is an
 *	open-addressing set of row numbers + 1 with 'size' > rows slots.
 */
static int
drawn_once(PGresult *res, int *seen, size_t size, int r)
{
	const char *label = PQgetvalue(res, r, 2);
	int vantage =
	    PQgetvalue(res, r, 1)[0] == '0' && PQgetvalue(res, r, 1)[1] == '\0';
	size_t h = vantage ? 7 : 3, k;
	const char *c;

	for (c = label; *c != '\0'; c++)
		h = h * 31 + (unsigned char)*c;
	for (k = h % size; seen[k] != 0; k = (k + 1) % size) {
		int o = seen[k] - 1;

		if (strcmp(PQgetvalue(res, o, 2), label) == 0 &&
		    (PQgetvalue(res, o, 1)[0] == '0' &&
			PQgetvalue(res, o, 1)[1] == '\0') == vantage)
			return 0;
	}
	seen[k] = r + 1;
	return 1;
}

int
page_geo(struct view *v)
{
	PGresult *res = NULL;
	const char *vals[3], *target = cgi_get(v->params, "target");
	const char *vantage = cgi_get(v->params, "vantage");
	const char *hidden[] = { "target", target, "vantage", vantage, NULL };
	const char *prev;
	int *seen = NULL, ll;
	int i, j, have, stored, filtered, history, npts = 0, rc = -1;

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
		if ((stored = vdb_column(v->db, "pingsvc.basemap_countries",
			 "svg_path", v->eb)) < 0)
			goto out;
		if ((res = vdb_exec(v->db,
			 stored ? SQL_BASEMAP_STORED : SQL_BASEMAP, 0, NULL,
			 NULL, v->eb)) == NULL)
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
	filtered = target != NULL || vantage != NULL;
	/* Stored coordinates (migration 0020): no PostGIS in this request. */
	if ((history = view_history(v)) < 0 ||
	    (ll = vdb_column(v->db, "pingsvc.geolocations", "lon", v->eb)) <
		0 ||
	    (res = vdb_exec(v->db, SQL_POINTS[ll][history][filtered],
		 filtered ? 3 : 1, vals, NULL, v->eb)) == NULL)
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
	if ((seen = calloc(2 * (size_t)PQntuples(res) + 1, sizeof(*seen))) ==
	    NULL) {
		errbuf_set(v->eb, "out of memory");
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (!drawn_once(res, seen, 2 * (size_t)PQntuples(res) + 1, i))
			continue;
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
	free(seen);
	PQclear(res);
	return rc;
}
