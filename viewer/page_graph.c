/*
 * page_graph.c --
 *	?page=graph&target=ADDR or &vantage=V: the links around a target (the
 *	path of every flow to it at 'at', from the route history, else the
 *	latest trace of each flow) or a vantage (every flow from it), as a
 *	graph layered by TTL: vantages on the left,
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

/*
 * The path of every flow to the target (or from the vantage), at most
 * 2000 flows: from the route history (VIEW_HISTORY_FLOWS) or, without one,
 * the latest trace of each flow in the 30 days before 'at' (VIEW_FLOWS).
 * $1 at, $2 target, $3 vantage, $4 max_graph_nodes, $5 agg (NULL: choose).
 */
#define FLOWS(tr)                                                              \
	"WITH " tr ", "                                                        \
	"h AS (SELECT tr.trace_id, tr.vantage, u.p, u.i "                      \
	"    FROM tr, unnest(tr.path) WITH ORDINALITY u(p, i) "                \
	"    WHERE u.p IS NOT NULL), "

/*
 * The level of aggregation: the one asked for, else the finest whose node
 * count (vantages included) fits max_graph_nodes: addresses, then /24
 * (IPv6: /48) prefixes, then origin ASes (when as_prefixes exists).
 */
#define LEVEL(has_as)                                                          \
	"ad AS (SELECT p, min(i)::int AS layer FROM h GROUP BY p), "           \
	"lv AS (SELECT (SELECT count(*) FROM ad) AS n_ip, "                    \
	"    (SELECT count(DISTINCT " PFX(                                     \
	    "p") ") FROM ad) AS n_pfx, "                                       \
		 "    (SELECT count(DISTINCT vantage) FROM tr) AS n_v), "      \
		 "md AS (SELECT CASE WHEN $5::text IS NOT NULL THEN $5::text " \
		 "    WHEN n_ip + n_v <= $4::int THEN 'ip' "                   \
		 "    WHEN n_pfx + n_v <= $4::int OR NOT " has_as              \
		 " THEN '24' "                                                 \
		 "    ELSE 'as' END AS m, n_ip, n_pfx FROM lv), "

/* The /24 (IPv4) or /48 (IPv6) prefix of address X, as text. */
#define PFX(x)                                                                 \
	"text(set_masklen(" x ", CASE family(" x ") WHEN 4 THEN 24 "           \
	"ELSE 48 END)::cidr)"

/* Each address's node: itself, its prefix, or its origin AS (else its
 * prefix).  The AS is looked up only at that level, once per address. */
#define KEYS(as_lookup)                                                        \
	"k AS (SELECT ad.p, ad.layer, CASE md.m WHEN 'ip' THEN host(ad.p) "    \
	"    WHEN '24' THEN " PFX(                                             \
	    "ad.p") " "                                                        \
		    "    ELSE coalesce('AS' || a.asn, " PFX(                   \
			"ad.p") ") END AS key "                                \
				"    FROM ad CROSS JOIN md LEFT JOIN LATERAL " \
				"(" as_lookup ") a ON true), "

#define AS_LOOKUP                                                              \
	"SELECT x.asn FROM pingsvc.as_prefixes x WHERE md.m = 'as' "           \
	"AND x.prefix >>= ad.p ORDER BY masklen(x.prefix) DESC LIMIT 1"
#define NO_AS_LOOKUP "SELECT NULL::bigint AS asn"

/*
 * Nodes (kind 'n': id, label, layer, members, total nodes, level, address
 * and prefix counts), the lowest layers first, capped; then edges (kind
 * 'e': from, to, all across a '*', times_seen summed over the member
 * links seen by 'at').  Links inside one aggregate are not drawn.
 */
#define GRAPH_TAIL                                                             \
	"nd AS (SELECT key AS id, min(layer) AS layer, count(*) AS members "   \
	"    FROM k GROUP BY key "                                             \
	"    UNION ALL SELECT DISTINCT 'v:' || vantage, 0, 1 FROM tr), "       \
	"e0 AS (SELECT lag(p) OVER w AS near, p AS far, "                      \
	"    CASE WHEN lag(p) OVER w IS NULL THEN vantage END AS v, "          \
	"    i - coalesce(lag(i) OVER w, 0) > 1 AS gap "                       \
	"    FROM h WINDOW w AS (PARTITION BY trace_id ORDER BY i)), "         \
	"e1 AS (SELECT near, far, v, bool_and(gap) AS gap FROM e0 "            \
	"    GROUP BY near, far, v), "                                         \
	"ed AS (SELECT coalesce(ka.key, 'v:' || e1.v) AS a, kb.key AS b, "     \
	"    bool_and(e1.gap) AS gap, coalesce(sum(l.times_seen), 0) AS seen " \
	"    FROM e1 LEFT JOIN k ka ON ka.p = e1.near "                        \
	"    JOIN k kb ON kb.p = e1.far "                                      \
	"    LEFT JOIN pingsvc.links l ON l.near = e1.near "                   \
	"         AND l.far = e1.far AND l.first_seen <= " VIEW_AT " "         \
	"    GROUP BY 1, 2) "                                                  \
	"(SELECT 'n', id, CASE WHEN id LIKE 'v:%' THEN substr(id, 3) "         \
	"        ELSE id END, layer::text, members::text, "                    \
	"        (SELECT count(*) FROM nd)::text, md.m, md.n_ip::text, "       \
	"        md.n_pfx::text "                                              \
	" FROM nd, md ORDER BY nd.layer, nd.id LIMIT $4::int) "                \
	"UNION ALL "                                                           \
	"SELECT 'e', a, b, gap::text, seen::text, NULL, NULL, NULL, NULL "     \
	"FROM ed WHERE a <> b"

/* [history][has_as] */
static const char *const SQL_GRAPH[2][2] = {
	{ FLOWS(VIEW_FLOWS("2000")) LEVEL("false") KEYS(NO_AS_LOOKUP)
		GRAPH_TAIL,
	    FLOWS(VIEW_FLOWS("2000")) LEVEL("true") KEYS(AS_LOOKUP)
		GRAPH_TAIL },
	{ FLOWS(VIEW_HISTORY_FLOWS("2000")) LEVEL("false") KEYS(NO_AS_LOOKUP)
		GRAPH_TAIL,
	    FLOWS(VIEW_HISTORY_FLOWS("2000")) LEVEL("true") KEYS(AS_LOOKUP)
		GRAPH_TAIL },
};

struct node {
	const char *id, *label;
	int layer, members, x, y;
};

static int
node_cmp(const void *a, const void *b)
{
	return strcmp(
	    ((const struct node *)a)->id, ((const struct node *)b)->id);
}

/* find -- The node 'id' in 'nodes', sorted by id (node_cmp), or NULL. */
static struct node *
find(struct node *nodes, int n, const char *id)
{
	struct node key = { .id = id };

	return bsearch(&key, nodes, (size_t)n, sizeof(*nodes), node_cmp);
}

static const char *
level_name(const char *m)
{
	if (strcmp(m, "ip") == 0)
		return "addresses";
	if (strcmp(m, "24") == 0)
		return "/24 prefixes (/48 for IPv6)";
	return "origin ASes";
}

/* notices -- Say how the graph was aggregated and whether it was capped. */
static void
notices(struct view *v, PGresult *res, int n, int total, const char *agg,
    int has_as)
{
	const char *m = PQgetvalue(res, 0, 6);

	if (agg != NULL && strcmp(agg, "as") == 0 && !has_as)
		html_put(v->h,
		    "<p class=\"notice\" id=\"graph-no-as\">No AS table "
		    "(pingsvc.as_prefixes, migration 0002): aggregated to "
		    "prefixes instead.</p>");
	if (strcmp(m, "ip") != 0)
		html_put(v->h,
		    "<p class=\"notice\" id=\"graph-aggregated\" "
		    "data-agg=\"%s\">Aggregated to %r%r: %s addresses, %s "
		    "prefixes, %d nodes (max_graph_nodes %lld).  Choose with "
		    "agg=ip, 24 or as.</p>",
		    m, level_name(m),
		    agg != NULL ? " as asked"
				: " because the addresses are "
				  "more than max_graph_nodes",
		    PQgetvalue(res, 0, 7), PQgetvalue(res, 0, 8), total,
		    v->conf->max_graph_nodes);
	if (total > n)
		html_put(v->h,
		    "<p class=\"notice\" id=\"graph-capped\">Showing %d of %d "
		    "nodes (the lowest TTLs first; max_graph_nodes in "
		    "viewer.conf).</p>",
		    n, total);
}

/* draw -- The SVG: column labels, edges, then nodes over them. */
static void
draw(struct view *v, PGresult *res, struct node *nodes, int n, int ne,
    const int *rows, int maxrow, const char *target)
{
	struct node *a, *b;
	int i, layer, w = 0, hgt = 30 + maxrow * 30, drawn = 0;

	for (i = 0; i < n; i++)
		if (nodes[i].x + 150 > w)
			w = nodes[i].x + 150;
	/* Edges to nodes left out by the cap are not drawn nor counted. */
	for (i = n; i < n + ne; i++)
		drawn += find(nodes, n, PQgetvalue(res, i, 1)) != NULL &&
		    find(nodes, n, PQgetvalue(res, i, 2)) != NULL;
	html_put(v->h,
	    "<p id=\"graph-count\">%d nodes, %d edges.</p>"
	    "<svg class=\"graph\" id=\"graph\" data-agg=\"%s\" "
	    "data-nodes=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
	    "<title>links layered by TTL</title>",
	    n, drawn, PQgetvalue(res, 0, 6), n, w, hgt, w, hgt);
	for (layer = 0; layer < 256; layer++)
		if (rows[layer] > 0)
			html_put(v->h,
			    "<text x=\"%d\" y=\"12\" font-size=\"10\" "
			    "fill=\"#888\">%r%d</text>",
			    10 + layer * 150, layer == 0 ? "vantage " : "TTL ",
			    layer);
	for (i = n; i < PQntuples(res); i++) {
		a = find(nodes, n, PQgetvalue(res, i, 1));
		b = find(nodes, n, PQgetvalue(res, i, 2));
		if (a == NULL || b == NULL)
			continue;
		html_put(v->h,
		    "<line class=\"edge\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\" stroke=\"#678\" stroke-width=\"1.2\"%r>"
		    "<title>%s &#8594; %s, seen %s times</title></line>",
		    a->x + 120, a->y + 9, b->x, b->y + 9,
		    PQgetvalue(res, i, 3)[0] == 't'
			? " stroke-dasharray=\"4 3\""
			: "",
		    a->label, b->label, PQgetvalue(res, i, 4));
	}
	for (i = 0; i < n; i++) {
		html_put(v->h,
		    "<g class=\"node%r\" data-members=\"%d\"><title>%s%r",
		    nodes[i].layer == 0 ? " vantage" : "", nodes[i].members,
		    nodes[i].label, nodes[i].members > 1 ? " (" : "");
		if (nodes[i].members > 1)
			html_put(v->h, "%d addresses)", nodes[i].members);
		html_put(v->h,
		    "</title><rect x=\"%d\" y=\"%d\" width=\"120\" "
		    "height=\"18\" rx=\"3\" fill=\"%r\" stroke=\"#567\"/>"
		    "<text x=\"%d\" y=\"%d\" font-size=\"10\" "
		    "font-family=\"monospace\">%s</text></g>",
		    nodes[i].x, nodes[i].y,
		    nodes[i].layer == 0        ? "#fe9"
			: nodes[i].members > 1 ? "#e4ecf7"
			: target != NULL && strcmp(nodes[i].id, target) == 0
			? "#dfd"
			: "#eef4fa",
		    nodes[i].x + 4, nodes[i].y + 13, nodes[i].label);
	}
	html_put(v->h, "</svg>\n");
}

int
page_graph(struct view *v)
{
	PGresult *res = NULL;
	const char *vals[5];
	const char *target = cgi_get(v->params, "target");
	const char *vantage = cgi_get(v->params, "vantage");
	const char *agg = cgi_get(v->params, "agg");
	const char *hidden[] = { "target", target, "vantage", vantage, "agg",
		agg, NULL };
	struct node *nodes = NULL;
	char cap[32];
	int i, n, total, rows[256], maxrow = 0, layer, has_as, history;
	int rc = -1;

	html_begin(v->h, "Graph of links", "graph", v->at, hidden);
	html_put(v->h,
	    "<form method=\"get\" action=\"\">"
	    "<input type=\"hidden\" name=\"page\" value=\"graph\">"
	    "<label>target <input name=\"target\" size=\"20\" value=\"%s\">"
	    "</label> or <label>vantage <input name=\"vantage\" size=\"12\" "
	    "value=\"%s\"></label> <label>nodes <select name=\"agg\">"
	    "<option value=\"\">automatic</option>"
	    "<option value=\"ip\"%r>addresses</option>"
	    "<option value=\"24\"%r>/24 prefixes</option>"
	    "<option value=\"as\"%r>ASes</option></select></label> "
	    "<button>draw</button></form>\n",
	    target, vantage,
	    agg != NULL && strcmp(agg, "ip") == 0 ? " selected" : "",
	    agg != NULL && strcmp(agg, "24") == 0 ? " selected" : "",
	    agg != NULL && strcmp(agg, "as") == 0 ? " selected" : "");
	if (target == NULL && vantage == NULL) {
		html_put(v->h,
		    "<p class=\"notice\">Choose a target or a "
		    "vantage.</p>");
		html_end(v->h);
		return 0;
	}
	if ((has_as = vdb_exists(v->db, "pingsvc.as_prefixes", 0, v->eb)) < 0 ||
	    (history = view_history(v)) < 0)
		return -1;
	vals[0] = v->at_epoch;
	vals[1] = target;
	vals[2] = vantage;
	snprintf(cap, sizeof(cap), "%lld", v->conf->max_graph_nodes);
	vals[3] = cap;
	/* Without the AS table, agg=as falls back to prefixes. */
	vals[4] = agg != NULL && strcmp(agg, "as") == 0 && !has_as ? "24" : agg;
	if ((res = vdb_exec(v->db, SQL_GRAPH[history][has_as], 5, vals, NULL,
		 v->eb)) == NULL)
		goto out;
	for (n = 0; n < PQntuples(res) && PQgetvalue(res, n, 0)[0] == 'n'; n++)
		;
	if (n == 0) {
		html_put(v->h,
		    "<p>No traces in the 30 days before this "
		    "time.</p>");
		html_end(v->h);
		rc = 0;
		goto out;
	}
	total = atoi(PQgetvalue(res, 0, 5));
	if ((nodes = calloc((size_t)n + 1, sizeof(*nodes))) == NULL) {
		errbuf_set(v->eb, "out of memory");
		goto out;
	}
	memset(rows, 0, sizeof(rows));
	for (i = 0; i < n; i++) {
		layer = atoi(PQgetvalue(res, i, 3));
		if (layer < 0 || layer > 255)
			layer = 255;
		nodes[i].id = PQgetvalue(res, i, 1);
		nodes[i].label = PQgetvalue(res, i, 2);
		nodes[i].members = atoi(PQgetvalue(res, i, 4));
		nodes[i].layer = layer;
		nodes[i].x = 10 + layer * 150;
		nodes[i].y = 24 + rows[layer] * 30;
		if (++rows[layer] > maxrow)
			maxrow = rows[layer];
	}
	/* Placed in row order; sorted by id for find(). */
	qsort(nodes, (size_t)n, sizeof(*nodes), node_cmp);
	notices(v, res, n, total, agg, has_as);
	draw(v, res, nodes, n, PQntuples(res) - n, rows, maxrow, target);
	html_end(v->h);
	rc = 0;
out:
	free(nodes);
	PQclear(res);
	return rc;
}
