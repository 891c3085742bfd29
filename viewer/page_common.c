/*
 * page_common.c --
 *	Rendering shared by several pages: links and paths (see view.h).
 */
#include <stdlib.h>
#include <string.h>

#include "vdb.h"
#include "view.h"

void
view_link_target(struct view *v, const char *a)
{
	html_put(v->h, "<a href=\"?page=target&amp;target=%u", a);
	if (v->at != NULL)
		html_put(v->h, "&amp;at=%u", v->at);
	html_put(v->h, "\">%s</a>", a);
}

void
view_link_worker(struct view *v, const char *w)
{
	html_put(v->h, "<a href=\"?page=worker&amp;worker=%u", w);
	if (v->at != NULL)
		html_put(v->h, "&amp;at=%u", v->at);
	html_put(v->h, "\">%s</a>", w);
}

int
view_history(struct view *v)
{
	PGresult *res;
	int rc;

	if (v->history >= 0)
		return v->history;
	if ((rc = vdb_exists(v->db, "pingsvc.flow_paths", 0, v->eb)) <= 0)
		return rc < 0 ? -1 : (v->history = 0);
	if ((res = vdb_exec(v->db, "SELECT EXISTS (SELECT FROM pingsvc.flows)",
		 0, NULL, NULL, v->eb)) == NULL)
		return -1;
	v->history = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return v->history;
}

int
view_split(const char *path, char **copy, char **hops, int max)
{
	char *p, *save = NULL, *tok;
	int n = 0;

	if ((*copy = strdup(path != NULL ? path : "")) == NULL)
		return -1;
	for (p = *copy; (tok = strtok_r(p, " ", &save)) != NULL; p = NULL) {
		if (n == max)
			break;
		hops[n++] = tok;
	}
	return n;
}

void
view_path(struct view *v, const char *path, const char *dst)
{
	char *copy = NULL, *hops[256];
	int i, n;

	if ((n = view_split(path, &copy, hops, 256)) < 0) {
		v->h->oom = 1;
		return;
	}
	html_put(v->h, "<ol class=\"path\" data-hops=\"%d\">", n);
	for (i = 0; i < n; i++) {
		if (strcmp(hops[i], "*") == 0) {
			html_put(v->h,
			    "<li class=\"hop star\" title=\"TTL %d: no reply\">"
			    "*</li>",
			    i + 1);
			continue;
		}
		html_put(v->h, "<li class=\"hop%r\" title=\"TTL %d\">",
		    dst != NULL && strcmp(hops[i], dst) == 0 ? " dst" : "",
		    i + 1);
		view_link_target(v, hops[i]);
		html_put(v->h, "</li>");
	}
	html_put(v->h, "</ol>\n");
	free(copy);
}
