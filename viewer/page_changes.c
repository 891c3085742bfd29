/*
 * page_changes.c --
 *	?page=changes[&from=TS][&to=TS][&vantage=V][&target=ADDR]: route
 *	changes detected in [from, to] (default: the week before 'at'), the
 *	newest first, each drawn as the old and the new path aligned by TTL,
 *	the changed stretch (diverge_ttl..rejoin_ttl) outlined, coloured by
 *	kind (hop, length, reachability).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"
#include "view.h"

static const char SQL_CHANGES[] =
    "SELECT change_id, to_char(detected_at, 'YYYY-MM-DD HH24:MI:SS'), "
    "       vantage, host(target), proto, coalesce(paris_id::text, ''), "
    "       kind, diverge_ttl, rejoin_ttl, old_reached, new_reached, "
    "       " VIEW_PATH_SQL("old_path") ", " VIEW_PATH_SQL(
	"new_path") ", "
		    "       coalesce(to_char(last_old_at, 'YYYY-MM-DD "
		    "HH24:MI:SS'), '?') "
		    "FROM pingsvc.route_changes "
		    "WHERE detected_at <= coalesce($3::timestamptz, " VIEW_AT
		    ") "
		    "  AND detected_at >= coalesce($2::timestamptz, "
		    "                              "
		    "coalesce($3::timestamptz, " VIEW_AT ") "
		    "                              - interval '7 days') "
		    "  AND ($4::text IS NULL OR vantage = $4) "
		    "  AND ($5::inet IS NULL OR target = $5::inet) "
		    "ORDER BY detected_at DESC, change_id DESC LIMIT $6";

#define COL   96 /* px per TTL column */
#define ROW_H 22

static const char *
kind_colour(const char *kind)
{
	if (strcmp(kind, "hop") == 0)
		return "#e80";
	if (strcmp(kind, "length") == 0)
		return "#26c";
	return "#c22";
}

/* row -- One path as SVG boxes at height 'y'; 'lo'..'hi' outlined. */
static void
row(struct view *v, const char *cls, char **hops, int n, int y, int lo, int hi,
    const char *colour)
{
	char label[20];
	int i, changed;

	html_put(v->h, "<g class=\"%r\" data-hops=\"%d\">", cls, n);
	for (i = 0; i < n; i++) {
		changed = i + 1 >= lo && i + 1 <= hi;
		/* Long IPv6 addresses are shortened; the title has them. */
		snprintf(label, sizeof(label), "%.15s%s", hops[i],
		    strlen(hops[i]) > 15 ? "\xe2\x80\xa6" : "");
		html_put(v->h,
		    "<g class=\"hop%r\"><title>TTL %d: %s</title>"
		    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		    "fill=\"%r\" stroke=\"%r\" stroke-width=\"%r\"/>"
		    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		    "font-family=\"monospace\">%s</text></g>",
		    strcmp(hops[i], "*") == 0 ? " star" : "", i + 1, hops[i],
		    60 + i * COL, y, COL - 4, ROW_H - 4,
		    strcmp(hops[i], "*") == 0 ? "#eee" : "#eef4fa",
		    changed ? colour : "#789", changed ? "2.5" : "1",
		    64 + i * COL, y + 13, label);
	}
	html_put(v->h, "</g>");
}

static int
change(struct view *v, PGresult *res, int r)
{
	char *oc = NULL, *nc = NULL, *oh[256], *nh[256];
	const char *kind = PQgetvalue(res, r, 6), *colour;
	int on, nn, w, lo, hi, rc = -1;

	colour = kind_colour(kind);
	if ((on = view_split(PQgetvalue(res, r, 11), &oc, oh, 256)) < 0 ||
	    (nn = view_split(PQgetvalue(res, r, 12), &nc, nh, 256)) < 0)
		goto out;
	lo = atoi(PQgetvalue(res, r, 7));
	/* Without a rejoin the change runs to the end of the longer path. */
	hi = PQgetisnull(res, r, 8) ? 255 : atoi(PQgetvalue(res, r, 8));
	w = 64 + (on > nn ? on : nn) * COL;
	html_put(v->h,
	    "<div class=\"change kind-%s\" id=\"change-%s\">"
	    "<p><span style=\"color:%r\">&#9632;</span> <b>%s</b> "
	    "change at %s (last old path %s), vantage ",
	    kind, PQgetvalue(res, r, 0), colour, kind, PQgetvalue(res, r, 1),
	    PQgetvalue(res, r, 13));
	view_link_worker(v, PQgetvalue(res, r, 2));
	html_put(v->h, ", target ");
	view_link_target(v, PQgetvalue(res, r, 3));
	html_put(v->h, ", %s, Paris id %s; diverges at TTL %s, ",
	    PQgetvalue(res, r, 4), PQgetvalue(res, r, 5),
	    PQgetvalue(res, r, 7));
	if (PQgetisnull(res, r, 8))
		html_put(v->h, "does not rejoin");
	else
		html_put(v->h, "rejoins at TTL %s", PQgetvalue(res, r, 8));
	html_put(v->h,
	    "</p><svg class=\"change-paths\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
	    "<title>old and new path</title>"
	    "<text x=\"4\" y=\"17\" font-size=\"11\">old%r</text>"
	    "<text x=\"4\" y=\"%d\" font-size=\"11\">new%r</text>",
	    w, 2 * ROW_H + 8, w, 2 * ROW_H + 8,
	    PQgetvalue(res, r, 9)[0] == 't' ? "" : " &#10007;", ROW_H + 17,
	    PQgetvalue(res, r, 10)[0] == 't' ? "" : " &#10007;");
	row(v, "old", oh, on, 4, lo, hi, colour);
	row(v, "new", nh, nn, ROW_H + 4, lo, hi, colour);
	html_put(v->h, "</svg></div>\n");
	rc = 0;
out:
	free(oc);
	free(nc);
	return rc;
}

int
page_changes(struct view *v)
{
	PGresult *res = NULL;
	const char *vals[6];
	const char *hidden[] = { "from", cgi_get(v->params, "from"), "to",
		cgi_get(v->params, "to"), "vantage",
		cgi_get(v->params, "vantage"), "target",
		cgi_get(v->params, "target"), NULL };
	char lim[32];
	int i, rc = -1;

	vals[0] = v->at;
	vals[1] = cgi_get(v->params, "from");
	vals[2] = cgi_get(v->params, "to");
	vals[3] = cgi_get(v->params, "vantage");
	vals[4] = cgi_get(v->params, "target");
	snprintf(lim, sizeof(lim), "%lld", v->conf->max_rows);
	vals[5] = cgi_get(v->params, "limit") != NULL
	    ? cgi_get(v->params, "limit")
	    : lim;
	html_begin(v->h, "Route changes", "changes", v->at, hidden);
	html_put(v->h,
	    "<form method=\"get\" action=\"\" class=\"filters\">"
	    "<input type=\"hidden\" name=\"page\" value=\"changes\">"
	    "<label>from <input name=\"from\" size=\"18\" value=\"%s\">"
	    "</label> <label>to <input name=\"to\" size=\"18\" value=\"%s\">"
	    "</label> <label>vantage <input name=\"vantage\" size=\"12\" "
	    "value=\"%s\"></label> <label>target <input name=\"target\" "
	    "size=\"20\" value=\"%s\"></label> <button>filter</button>"
	    "</form><p>Colours: <span style=\"color:#e80\">hop</span> "
	    "(same length, other addresses), <span style=\"color:#26c\">length"
	    "</span> (destination reached at another TTL), "
	    "<span style=\"color:#c22\">reachability</span>.  Outlined: "
	    "diverge_ttl..rejoin_ttl.</p>\n",
	    vals[1], vals[2], vals[3], vals[4]);
	if ((res = vdb_exec(v->db, SQL_CHANGES, 6, vals, NULL, v->eb)) == NULL)
		goto out;
	html_put(v->h, "<p id=\"change-count\">%d change%r shown.</p>",
	    PQntuples(res), PQntuples(res) == 1 ? "" : "s");
	for (i = 0; i < PQntuples(res); i++)
		if (change(v, res, i) != 0) {
			errbuf_set(v->eb, "out of memory");
			goto out;
		}
	html_end(v->h);
	rc = 0;
out:
	PQclear(res);
	return rc;
}
