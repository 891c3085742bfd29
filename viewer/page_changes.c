/*
 * page_changes.c --
 *	?page=changes[&from=TS][&to=TS][&vantage=V][&target=ADDR]: route
 *	changes detected in [from, to] (default: the week before 'at'), the
 *	newest first, each drawn as the old and the new path aligned by TTL,
 *	the changed stretch (diverge_ttl..rejoin_ttl) outlined, coloured by
 *	kind (hop, length, reachability).  Above the list, a stacked bar
 *	chart of the changes in [from, to] per time bin, one series per
 *	origin AS (by=as) or country (by=country) of the changed hops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"
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

/*
 * The chart: changes of the window (the same filters, the newest
 * CHART_MAX at most) counted per bin of CHART_BINS and per group of their
 * changed hops (changed_hops, else new_path[diverge_ttl..rejoin_ttl));
 * a change touching two groups counts in both, one with no known address
 * is "unknown".  The eight largest groups are named, the rest "other".
 * Changes with the same bin and hops are counted together first, and each
 * distinct address is looked up once.  Rows: series index (1..9),
 * name, bin (1..CHART_BINS), count, t0, t1, changes considered (summed
 * over "ch": "c" is then read once and not materialised, a third of the
 * query's time with 13,000 changes).
 */
#define CHART_BINS 40
#define CHART_MAX  20000
#define XSTR(x)    #x
#define STR(x)     XSTR(x)
/* clang-format off */
/* The period: constants to the planner, so the newest changes come from a
 * backward scan of route_changes_detected_idx without a sort. */
#define CHART_T1 "coalesce($3::timestamptz, " VIEW_AT ")"
#define CHART_T0                                                               \
	"coalesce($2::timestamptz, coalesce($3::timestamptz, " VIEW_AT ") "    \
	"    - interval '7 days')"
/* The chart's grouping of changes "c" (columns b, hs, n: bin, changed
 * hops, changes) into "n0" (bin, group, changes): each distinct changed
 * address looked up once. */
#define CHART_GROUPS(lookup)                                                   \
	"ch AS (SELECT row_number() OVER () AS id, b, hs, sum(n) AS n "        \
	"    FROM c GROUP BY b, hs), "                                         \
	"a AS (SELECT ch.id, u.h FROM ch LEFT JOIN LATERAL "                   \
	"    (SELECT h FROM unnest(ch.hs) h WHERE h IS NOT NULL) u ON true), " \
	"g AS (SELECT d.h, (" lookup ") AS grp "                               \
	"    FROM (SELECT DISTINCT h FROM a WHERE h IS NOT NULL) d), "         \
	"x AS (SELECT DISTINCT a.id, coalesce(g.grp, 'unknown') AS grp "       \
	"    FROM a LEFT JOIN g ON g.h = a.h), "                               \
	"n0 AS (SELECT ch.b, x.grp, sum(ch.n) AS k FROM x "                    \
	"    JOIN ch ON ch.id = x.id GROUP BY 1, 2), "
/* Bin of time T (a timestamptz expression). */
#define CHART_BIN(t)                                                           \
	"least(width_bucket(extract(epoch FROM " t "), "                       \
	"    extract(epoch FROM " CHART_T0 "), "                               \
	"    extract(epoch FROM " CHART_T1 ") + 1, "                           \
	"    " STR(CHART_BINS) "), " STR(CHART_BINS) ")"
/* The changes meeting 'cond' (on r.detected_at and the filters), newest
 * first, CHART_MAX at most, as (bin, changed hops, 1). */
#define CHART_RAW(cond)                                                        \
	"(SELECT " CHART_BIN("r.detected_at") " AS b, "                        \
	"    coalesce(r.changed_hops, r.new_path[r.diverge_ttl:"               \
	"        coalesce(r.rejoin_ttl - 1, cardinality(r.new_path))]) AS hs, " \
	"    1 AS n FROM pingsvc.route_changes r WHERE " cond " "              \
	"    ORDER BY r.detected_at DESC LIMIT " STR(CHART_MAX) ")"
/* Series: the eight largest groups named, the rest "other". */
#define CHART_SERIES(considered)                                               \
	"n AS (SELECT b, grp, sum(k) AS k FROM n0 GROUP BY 1, 2), "            \
	"r AS (SELECT grp, row_number() OVER (ORDER BY sum(k) DESC, grp) "     \
	"    AS rk FROM n GROUP BY grp) "                                      \
	"SELECT least(r.rk, 9), CASE WHEN r.rk < 9 THEN n.grp "                \
	"    ELSE 'other' END, n.b, sum(n.k), "                                \
	"    extract(epoch FROM " CHART_T0 "), "                               \
	"    extract(epoch FROM " CHART_T1 ") + 1, "                           \
	"    coalesce(" considered ", 0) "                                     \
	"FROM n JOIN r USING (grp) GROUP BY 1, 2, 3 ORDER BY 1, 3"
/* With a vantage or target: that filter's changes of the period. */
#define CHART(lookup)                                                          \
	"WITH c AS " CHART_RAW("r.detected_at <= " CHART_T1 " "                \
			       "AND r.detected_at >= " CHART_T0 " "            \
			       "AND ($4::text IS NULL OR r.vantage = $4) "     \
			       "AND ($5::inet IS NULL OR r.target = "          \
			       "$5::inet)") ", " CHART_GROUPS(lookup)          \
	    CHART_SERIES("(SELECT sum(n) FROM ch)")
/*
 * Without a filter, over a period of CHART_BINS hours or more: the whole
 * hours [H0, H1) from the counters of migration 0020 (route_change_counts:
 * changes per hour, kind and changed hops, kept by triggers on
 * route_changes), each drawn in the bin of its middle, and the changes of
 * the partial hours at both ends ([T0, H0) and [H1, T1]) one by one; the
 * addresses of both are mapped to groups here, so the groups are those of
 * the current as_prefixes and geolocations.  Over a shorter period every
 * change is read one by one.  Column 7 counts only the changes read one
 * by one (the cap).
 */
#define CHART_ORIGIN "timestamptz '2000-01-01 00:00:00+00'"
#define CHART_USE    "(" CHART_T1 " - " CHART_T0 " >= interval '" STR(CHART_BINS) " hours')"
#define CHART_H0                                                               \
	"date_bin('1 hour', " CHART_T0 " + interval '1 hour' "                 \
	"    - interval '1 microsecond', " CHART_ORIGIN ")"
#define CHART_H1 "date_bin('1 hour', " CHART_T1 ", " CHART_ORIGIN ")"
#define CHART_COUNTS(lookup)                                                   \
	"WITH raw AS (" CHART_RAW("r.detected_at >= " CHART_T0 " "             \
				"AND r.detected_at < CASE WHEN " CHART_USE     \
				" THEN " CHART_H0 " ELSE " CHART_T1 " END")    \
	    " UNION ALL " CHART_RAW("r.detected_at <= " CHART_T1 " "           \
				    "AND r.detected_at >= CASE WHEN "          \
				    CHART_USE " THEN " CHART_H1                \
				    " ELSE " CHART_T1 " END") "), "            \
	"c AS (SELECT b, hs, n FROM raw UNION ALL "                            \
	"    SELECT " CHART_BIN("k.hour + interval '30 minutes'") ", "         \
	"        k.hops, k.changes FROM pingsvc.route_change_counts k "        \
	"    WHERE " CHART_USE " AND k.changes > 0 "                           \
	"      AND k.hour >= " CHART_H0 " AND k.hour < " CHART_H1 "), "        \
	    CHART_GROUPS(lookup) CHART_SERIES("(SELECT count(*) FROM raw)")
/* clang-format on */

#define LOOKUP_AS                                                              \
	"SELECT 'AS' || x.asn FROM pingsvc.as_prefixes x "                     \
	"WHERE x.prefix >>= d.h ORDER BY masklen(x.prefix) DESC LIMIT 1"
#define LOOKUP_COUNTRY                                                         \
	"SELECT x.country::text FROM pingsvc.geolocations x "                  \
	"WHERE x.prefix >>= d.h AND x.country IS NOT NULL "                    \
	"ORDER BY masklen(x.prefix) DESC LIMIT 1"

/* [by country][from the counters] */
static const char *const SQL_CHART[2][2] = {
	{ CHART(LOOKUP_AS), CHART_COUNTS(LOOKUP_AS) },
	{ CHART(LOOKUP_COUNTRY), CHART_COUNTS(LOOKUP_COUNTRY) },
};

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
		/* Fill, unchanged stroke and font come from the page's style
		 * (html.c): a list of 200 changes is half the size so. */
		html_put(v->h,
		    "<g class=\"hop%r%r\"><title>TTL %d: %s</title>"
		    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"",
		    strcmp(hops[i], "*") == 0 ? " star" : "",
		    changed ? " chg" : "", i + 1, hops[i], 60 + i * COL, y,
		    COL - 4, ROW_H - 4);
		if (changed)
			html_put(v->h, " stroke=\"%r\" stroke-width=\"2.5\"",
			    colour);
		html_put(v->h, "/><text x=\"%d\" y=\"%d\">%s</text></g>",
		    64 + i * COL, y + 13, label);
	}
	html_put(v->h, "</g>");
}

/*
 * chart --
 *	Run the chart query for grouping 'by' ("as" or "country") and draw
 *	it.  Returns 0 or -1 with v->eb.
 */
static int
chart(struct view *v, const char *const *vals, const char *by)
{
	PGresult *res = NULL;
	const char *names[9];
	double y[9 * CHART_BINS], t0 = 0, t1 = 0;
	int i, g, b, ng = 0, counts = 0, rc = -1;

	/* The counters (migration 0020) serve the unfiltered chart. */
	if (vals[3] == NULL && vals[4] == NULL &&
	    (counts = vdb_exists(
		 v->db, "pingsvc.route_change_counts", 0, v->eb)) < 0)
		return -1;
	if ((res = vdb_exec(v->db, SQL_CHART[strcmp(by, "as") != 0][counts],
		 counts ? 3 : 5, vals, NULL, v->eb)) == NULL)
		return -1;
	memset(y, 0, sizeof(y));
	for (i = 0; i < 9; i++)
		names[i] = "";
	for (i = 0; i < PQntuples(res); i++) {
		g = atoi(PQgetvalue(res, i, 0));
		b = atoi(PQgetvalue(res, i, 2));
		if (g < 1 || g > 9 || b < 1 || b > CHART_BINS) {
			errbuf_set(v->eb, "chart: bin or series out of range");
			goto out;
		}
		names[g - 1] = PQgetvalue(res, i, 1);
		if (g > ng)
			ng = g;
		y[(g - 1) * CHART_BINS + (b - 1)] =
		    strtod(PQgetvalue(res, i, 3), NULL);
		t0 = strtod(PQgetvalue(res, i, 4), NULL);
		t1 = strtod(PQgetvalue(res, i, 5), NULL);
	}
	html_put(v->h, "<h2>Changes over time by %r</h2>",
	    strcmp(by, "as") == 0 ? "origin AS of the changed hops"
				  : "country of the changed hops");
	svg_stacked(v->h, "change-chart",
	    strcmp(by, "as") == 0 ? "route changes per AS"
				  : "route changes per country",
	    t0, t1, CHART_BINS, (size_t)ng, names, y);
	if (counts)
		html_put(v->h,
		    "<p class=\"notice\" id=\"chart-hourly\">Whole hours "
		    "are counted from the hourly counters and drawn in the bin "
		    "of their middle (at most an hour off); the partial hours "
		    "at both ends change by change.</p>");
	if (PQntuples(res) > 0 && atoi(PQgetvalue(res, 0, 6)) >= CHART_MAX)
		html_put(v->h,
		    "<p class=\"notice\" id=\"chart-capped\">The chart "
		    "counts the newest %d changes of the period only.</p>",
		    CHART_MAX);
	rc = 0;
out:
	PQclear(res);
	return rc;
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
	const char *by = cgi_get(v->params, "by");
	const char *hidden[] = { "from", cgi_get(v->params, "from"), "to",
		cgi_get(v->params, "to"), "vantage",
		cgi_get(v->params, "vantage"), "target",
		cgi_get(v->params, "target"), "by", by, NULL };
	char lim[32];
	int i, has_as, rc = -1;

	vals[0] = v->at_epoch;
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
	    "size=\"20\" value=\"%s\"></label> <label>chart by <select "
	    "name=\"by\"><option value=\"\">automatic</option>"
	    "<option value=\"as\"%r>AS</option><option value=\"country\"%r>"
	    "country</option></select></label> <button>filter</button>"
	    "</form>",
	    vals[1], vals[2], vals[3], vals[4],
	    by != NULL && strcmp(by, "as") == 0 ? " selected" : "",
	    by != NULL && strcmp(by, "country") == 0 ? " selected" : "");
	/* Grouping by AS needs pingsvc.as_prefixes (migration 0002). */
	if ((has_as = vdb_exists(v->db, "pingsvc.as_prefixes", 0, v->eb)) < 0)
		goto out;
	if (by != NULL && strcmp(by, "as") == 0 && !has_as)
		html_put(v->h,
		    "<p class=\"notice\" id=\"chart-no-as\">No AS table "
		    "(pingsvc.as_prefixes, migration 0002): by country "
		    "instead.</p>");
	if (chart(v, vals,
		by != NULL && has_as ? by
		    : has_as         ? "as"
				     : "country") != 0)
		goto out;
	html_put(v->h,
	    "<h2>Changes</h2><p>Colours: <span style=\"color:#e80\">hop</span> "
	    "(same length, other addresses), <span style=\"color:#26c\">length"
	    "</span> (destination reached at another TTL), "
	    "<span style=\"color:#c22\">reachability</span>.  Outlined: "
	    "diverge_ttl..rejoin_ttl.</p>\n");
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
