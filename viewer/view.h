/*
 * view.h --
 *	What a page handler gets: the validated request, the configuration,
 *	the read-only database connection and the page being built; and the
 *	handlers themselves (one file each, page_*.c).
 */
#ifndef PINGSVC_VIEWER_VIEW_H
#define PINGSVC_VIEWER_VIEW_H

#include <libpq-fe.h>

#include "addr.h"
#include "cgi.h"
#include "errbuf.h"
#include "html.h"

/* The settings of etc/viewer.conf (see viewer_conf.c for defaults). */
struct viewer_conf {
	const char *db;            /* conninfo of the read-only role */
	const char *admin_db;      /* conninfo of the control-plane role */
	const char *const *admins; /* REMOTE_USERs allowed to act */
	const char *csrf_secret;   /* >= 32 bytes, per install */
	long long statement_timeout_ms;
	long long csrf_window_s;   /* a token is valid 1..2 windows */
	long long max_graph_nodes; /* the graph page draws at most this */
	long long online_after_s;  /* a worker seen within this is online */
	long long max_rows;        /* rows in lists (changes, traces) */
	struct prefix_set allow;   /* special ranges add_target accepts */
	int log_level;             /* enum log_level */
};

struct view {
	const struct viewer_conf *conf;
	const struct cgi_params *params;
	PGconn *db;              /* read-only transaction already open */
	struct html *h;          /* the page */
	const char *at;          /* the 'at' parameter or NULL (now) */
	const char *at_epoch;    /* 'at' or now() as epoch seconds ($1) */
	const char *user;        /* REMOTE_USER or NULL */
	const char *method;      /* "GET", "POST", ... */
	const char *remote_addr; /* REMOTE_ADDR or NULL */
	int status;              /* HTTP status to answer, 200 by default */
	int history;             /* view_history(): -1 until asked */
	struct errbuf *eb;       /* why a handler returned -1 */
};

/*
 * A page handler renders the whole page into v->h and returns 0 (v->status
 * may be set to 404 for an unknown worker or target), or -1 with v->eb
 * set (a 500 page, or v->status when the handler set a 4xx).
 */
typedef int page_fn(struct view *v);

page_fn page_overview, page_worker, page_target, page_changes, page_graph,
    page_geo, page_admin;

/* Shared rendering helpers (page_common.c). */

/* view_link_target -- A link to the target page of address 'a'. */
void view_link_target(struct view *v, const char *a);

/* view_link_worker -- A link to the worker page of vantage 'w'. */
void view_link_worker(struct view *v, const char *w);

/*
 * view_path --
 *	Draw a path as a row of hop boxes (<ol class="path">), '*' for no
 *	reply.  'path' is the addresses separated by single spaces, '*' for a
 *	NULL element, as the SQL helper VIEW_PATH_SQL makes it.  'dst' is the
 *	target (its box is marked) or NULL.
 */
void view_path(struct view *v, const char *path, const char *dst);

/*
 * view_history --
 *	1 when the route history of process_results() (pingsvc.flows and
 *	flow_paths, migration 0002) exists and holds flows, so that current
 *	and past paths can be read from it instead of from the traces; 0
 *	when not (traces written directly, an older schema): the pages then
 *	read the traces.  -1 with v->eb on error.  Asked once per request.
 */
int view_history(struct view *v);

/* view_split -- Split 'path' at spaces into at most 'max' pointers into a
 * copy ('*copy', caller frees).  Returns the number of hops or -1. */
int view_split(const char *path, char **copy, char **hops, int max);

/*
 * SQL expression turning inet[] column X into "a b * c" (NULL -> '*'),
 * in TTL order.
 */
#define VIEW_PATH_SQL(x)                                                       \
	"(SELECT string_agg(coalesce(host(p_), '*'), ' ' ORDER BY i_) "        \
	"FROM unnest(" x ") WITH ORDINALITY u_(p_, i_))"

/*
 * The 'at' bound as SQL, from parameter $1 = v->at_epoch (the request's
 * time, or the transaction's now(), in seconds since the epoch), and the
 * time 'secs' seconds before it.  to_timestamp(float8) is immutable, so
 * with a parameter the planner folds these to constants and prunes the
 * time partitions of results, traces and hops while planning instead of
 * planning every partition (timestamptz - interval is only stable).
 */
#define VIEW_AT           "to_timestamp($1::float8)"
#define VIEW_AT_AGO(secs) "to_timestamp($1::float8 - " secs ")"

/*
 * VIEW_FLOWS --
 *	CTE "tr" (trace_id, vantage, path): the latest trace of each flow
 *	(vantage, target, proto, paris_id) to target $2 and/or from vantage
 *	$3 in the 30 days before 'at', at most 'limit' flows (the most
 *	recently traced).  The flows and their latest time are found by
 *	hashing the covering index traces_vantage_ts_idx (or the target's
 *	traces_target_ts_idx) without reading a path or sorting; then each
 *	flow's trace is fetched by (vantage, ts) from the same index (LATERAL
 *	... LIMIT 1, which also tells the planner to expect one row per flow
 *	and to join what follows by hash).
 *	Needs a target or a vantage: VIEW_RECENT_FLOWS is the unfiltered
 *	form.
 */
/* clang-format off */
#define VIEW_FLOWS(limit)                                                      \
	"fl AS (SELECT vantage, target, proto, paris_id, max(ts) AS ts "       \
	"    FROM pingsvc.traces "                                             \
	"    WHERE ($2::inet IS NULL OR target = $2::inet) "                   \
	"      AND ($3::text IS NULL OR vantage = $3::text) "                  \
	"      AND ts <= " VIEW_AT " AND ts > " VIEW_AT_AGO("2592000") " "     \
	"    GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT " limit "), "           \
	"tr AS (SELECT t.trace_id, t.vantage, t.path FROM fl, LATERAL "        \
	"    (SELECT trace_id, vantage, path FROM pingsvc.traces t "           \
	"     WHERE t.vantage = fl.vantage AND t.ts = fl.ts "                  \
	"       AND t.target = fl.target AND t.proto = fl.proto "              \
	"       AND t.paris_id IS NOT DISTINCT FROM fl.paris_id "              \
	"     ORDER BY t.trace_id DESC LIMIT 1) t) "

/*
 * VIEW_RECENT_FLOWS --
 *	CTE "tr" without a filter: among the 'scan' newest traces before
 *	'at' (traces_ts_idx), the latest of each flow, at most 'limit'.  A
 *	bounded read however large the database.
 */
#define VIEW_RECENT_FLOWS(scan, limit)                                         \
	"fl AS (SELECT DISTINCT ON (vantage, target, proto, paris_id) "        \
	"    trace_id, ts FROM (SELECT trace_id, ts, vantage, target, proto, " \
	"        paris_id FROM pingsvc.traces "                                \
	"        WHERE ts <= " VIEW_AT " AND ts > " VIEW_AT_AGO("2592000") " " \
	"        ORDER BY ts DESC LIMIT " scan ") x "                          \
	"    ORDER BY vantage, target, proto, paris_id, ts DESC "              \
	"    LIMIT " limit "), "                                               \
	"tr AS (SELECT t.trace_id, t.vantage, t.path FROM fl, LATERAL "        \
	"    (SELECT trace_id, vantage, path FROM pingsvc.traces t "           \
	"     WHERE t.trace_id = fl.trace_id AND t.ts = fl.ts LIMIT 1) t) "

/*
 * VIEW_HISTORY_FLOWS --
 *	CTE "tr" (trace_id, vantage, path) from the route history that
 *	process_results() keeps (flows, flow_paths): for each flow to target
 *	$2 and/or from vantage $3 that existed at 'at', the path it was on
 *	at 'at' (its flow_paths row with the latest valid_from <= at), if
 *	that path was seen in the 30 days before 'at' (last_seen; for an
 *	'at' in the past, a path still current later counts too), at most
 *	'limit' flows, the most recently traced.  "trace_id" is the flow_id.
 *	No partitioned table is read: the flows come from the flow key
 *	(flows_flow_key, flows_target_idx) and each path from
 *	flow_paths_valid_idx, a few hundred index probes however many
 *	traces the flows have.  Use it when view_history() says the history
 *	is kept.
 */
#define VIEW_HISTORY_PATH                                                      \
	"CROSS JOIN LATERAL (SELECT fp.path, fp.valid_from, fp.last_seen, "    \
	"    fp.reached_ttl FROM pingsvc.flow_paths fp "                       \
	"    WHERE fp.flow_id = f.flow_id AND fp.valid_from <= " VIEW_AT " "   \
	"    ORDER BY fp.valid_from DESC LIMIT 1) p "
#define VIEW_HISTORY_FLOWS(limit)                                              \
	"tr AS (SELECT f.flow_id AS trace_id, f.vantage, p.path "              \
	"    FROM pingsvc.flows f " VIEW_HISTORY_PATH                          \
	"    WHERE ($2::inet IS NULL OR f.target = $2::inet) "                 \
	"      AND ($3::text IS NULL OR f.vantage = $3::text) "                \
	"      AND f.first_seen <= " VIEW_AT " "                               \
	"      AND p.last_seen > " VIEW_AT_AGO("2592000") " "                  \
	"    ORDER BY f.last_ts DESC LIMIT " limit ") "

/*
 * VIEW_HISTORY_RECENT --
 *	CTE "tr" without a filter, from the route history: the 'limit' most
 *	recently traced flows that existed at 'at' (flows_viewer_last_ts_idx of
 *	migration 0017), each with the path it was on at 'at' if seen in the
 *	30 days before.
 */
#define VIEW_HISTORY_RECENT(limit)                                             \
	"tr AS (SELECT f.flow_id AS trace_id, f.vantage, p.path "              \
	"    FROM (SELECT flow_id, vantage FROM pingsvc.flows "                \
	"          WHERE first_seen <= " VIEW_AT " "                           \
	"            AND last_ts > " VIEW_AT_AGO("2592000") " "                \
	"          ORDER BY last_ts DESC LIMIT " limit ") f "                  \
	VIEW_HISTORY_PATH                                                      \
	"    WHERE p.last_seen > " VIEW_AT_AGO("2592000") ") "
/* clang-format on */

#endif
