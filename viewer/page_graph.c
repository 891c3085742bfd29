/*
 * page_graph.c --
 *	?page=graph&target=ADDR or &vantage=V: the links around a target (the
 *	latest trace of every flow to it) or a vantage (the latest trace of
 *	every flow from it), as a graph layered by TTL: vantages on the left,
 *	each address in the column of the lowest TTL it answered at.  Edges
 *	join addresses answering at consecutive responding TTLs (dashed over
 *	'*'), with the times_seen of pingsvc.links.  At most max_graph_nodes
 *	nodes are drawn, the lowest TTLs first, with a notice when capped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"
#include "view.h"

/* $1 at, $2 target, $3 vantage. */
#define FLOWS                                                                  \
	"WITH tr AS (SELECT DISTINCT ON (vantage, target, proto, paris_id) "   \
	"        trace_id, vantage, path FROM pingsvc.traces "                 \
	"    WHERE ($2::inet IS NULL OR target = $2::inet) "                   \
	"      AND ($3::text IS NULL OR vantage = $3::text) "                  \
	"      AND ts <= " VIEW_AT " AND ts > " VIEW_AT                        \
	" - interval '30 days' "                                               \
	"    ORDER BY vantage, target, proto, paris_id, ts DESC LIMIT 2000), " \
	"h AS (SELECT tr.trace_id, tr.vantage, u.p, u.i "                      \
	"    FROM tr, unnest(tr.path) WITH ORDINALITY u(p, i) "                \
	"    WHERE u.p IS NOT NULL) "

static const char SQL_NODES[] = FLOWS
    "SELECT id, label, layer, count(*) OVER () FROM ("
    "  SELECT DISTINCT 'v:' || vantage AS id, vantage AS label, 0 AS layer "
    "  FROM tr "
    "  UNION ALL "
    "  SELECT host(p), host(p), min(i)::int FROM h GROUP BY p) n "
    "ORDER BY layer, id LIMIT $4";

static const char SQL_EDGES[] = FLOWS
    ", e AS ("
    "  SELECT coalesce(host(lag(p) OVER w), 'v:' || vantage) AS a, "
    "         host(p) AS b, i - coalesce(lag(i) OVER w, 0) > 1 AS gap, "
    "         lag(p) OVER w AS near, p AS far "
    "  FROM h WINDOW w AS (PARTITION BY trace_id ORDER BY i)) "
    "SELECT e.a, e.b, bool_and(e.gap), coalesce(max(l.times_seen), 0) "
    "FROM e LEFT JOIN pingsvc.links l ON l.near = e.near AND l.far = e.far "
    "     AND l.first_seen <= " VIEW_AT " "
    "GROUP BY e.a, e.b";

struct node {
	const char *id, *label;
	int layer, x, y;
};

static struct node *
find(struct node *nodes, int n, const char *id)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(nodes[i].id, id) == 0)
			return &nodes[i];
	return NULL;
}

int
page_graph(struct view *v)
{
	PGresult *nres = NULL, *eres = NULL;
	const char *vals[4];
	const char *target = cgi_get(v->params, "target");
	const char *vantage = cgi_get(v->params, "vantage");
	const char *hidden[] = { "target", target, "vantage", vantage, NULL };
	struct node *nodes = NULL, *a, *b;
	char cap[32];
	int i, n, total, rows[256], maxrow = 0, layer, w, hgt, rc = -1;

	html_begin(v->h, "Graph of links", "graph", v->at, hidden);
	html_put(v->h,
	    "<form method=\"get\" action=\"\">"
	    "<input type=\"hidden\" name=\"page\" value=\"graph\">"
	    "<label>target <input name=\"target\" size=\"20\" value=\"%s\">"
	    "</label> or <label>vantage <input name=\"vantage\" size=\"12\" "
	    "value=\"%s\"></label> <button>draw</button></form>\n",
	    target, vantage);
	if (target == NULL && vantage == NULL) {
		html_put(v->h,
		    "<p class=\"notice\">Choose a target or a "
		    "vantage.</p>");
		html_end(v->h);
		return 0;
	}
	vals[0] = v->at;
	vals[1] = target;
	vals[2] = vantage;
	snprintf(cap, sizeof(cap), "%lld", v->conf->max_graph_nodes);
	vals[3] = cap;
	if ((nres = vdb_exec(v->db, SQL_NODES, 4, vals, NULL, v->eb)) == NULL)
		goto out;
	n = PQntuples(nres);
	total = n > 0 ? atoi(PQgetvalue(nres, 0, 3)) : 0;
	if ((nodes = calloc((size_t)n + 1, sizeof(*nodes))) == NULL) {
		errbuf_set(v->eb, "out of memory");
		goto out;
	}
	memset(rows, 0, sizeof(rows));
	for (i = 0; i < n; i++) {
		layer = atoi(PQgetvalue(nres, i, 2));
		if (layer < 0 || layer > 255)
			layer = 255;
		nodes[i].id = PQgetvalue(nres, i, 0);
		nodes[i].label = PQgetvalue(nres, i, 1);
		nodes[i].layer = layer;
		nodes[i].x = 10 + layer * 150;
		nodes[i].y = 24 + rows[layer] * 30;
		if (++rows[layer] > maxrow)
			maxrow = rows[layer];
	}
	if (total > n)
		html_put(v->h,
		    "<p class=\"notice\" id=\"graph-capped\">Showing %d of %d "
		    "nodes (the lowest TTLs first; max_graph_nodes in "
		    "viewer.conf).</p>",
		    n, total);
	if (n == 0) {
		html_put(v->h,
		    "<p>No traces in the 30 days before this "
		    "time.</p>");
		html_end(v->h);
		rc = 0;
		goto out;
	}
	if ((eres = vdb_exec(v->db, SQL_EDGES, 3, vals, NULL, v->eb)) == NULL)
		goto out;
	w = 0;
	for (i = 0; i < n; i++)
		if (nodes[i].x + 150 > w)
			w = nodes[i].x + 150;
	hgt = 30 + maxrow * 30;
	html_put(v->h,
	    "<p>%d nodes, %d edges.</p>"
	    "<svg class=\"graph\" id=\"graph\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
	    "<title>links layered by TTL</title>",
	    n, PQntuples(eres), w, hgt, w, hgt);
	for (layer = 0; layer < 256; layer++)
		if (rows[layer] > 0)
			html_put(v->h,
			    "<text x=\"%d\" y=\"12\" font-size=\"10\" "
			    "fill=\"#888\">%r%d</text>",
			    10 + layer * 150, layer == 0 ? "vantage " : "TTL ",
			    layer);
	for (i = 0; i < PQntuples(eres); i++) {
		a = find(nodes, n, PQgetvalue(eres, i, 0));
		b = find(nodes, n, PQgetvalue(eres, i, 1));
		if (a == NULL || b == NULL)
			continue;
		html_put(v->h,
		    "<line class=\"edge\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\" stroke=\"#678\" stroke-width=\"1.2\"%r>"
		    "<title>%s &#8594; %s, seen %s times</title></line>",
		    a->x + 120, a->y + 9, b->x, b->y + 9,
		    PQgetvalue(eres, i, 2)[0] == 't'
			? " stroke-dasharray=\"4 3\""
			: "",
		    a->label, b->label, PQgetvalue(eres, i, 3));
	}
	for (i = 0; i < n; i++) {
		html_put(v->h,
		    "<g class=\"node%r\"><title>%s</title>"
		    "<rect x=\"%d\" y=\"%d\" width=\"120\" height=\"18\" "
		    "rx=\"3\" fill=\"%r\" stroke=\"#567\"/>"
		    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		    "font-family=\"monospace\">%s</text></g>",
		    nodes[i].layer == 0 ? " vantage" : "", nodes[i].label,
		    nodes[i].x, nodes[i].y,
		    nodes[i].layer == 0 ? "#fe9"
			: target != NULL && strcmp(nodes[i].id, target) == 0
			? "#dfd"
			: "#eef4fa",
		    nodes[i].x + 4, nodes[i].y + 13, nodes[i].label);
	}
	html_put(v->h, "</svg>\n");
	html_end(v->h);
	rc = 0;
out:
	free(nodes);
	PQclear(nres);
	PQclear(eres);
	return rc;
}
