/*
 * main.c --
 *	pingsvc-viewer.cgi: one CGI request (RFC 3875) per run.  Reads the
 *	configuration, validates every parameter (cgi.c), picks the page from
 *	?page= or PATH_INFO, opens a read-only transaction with a statement
 *	timeout, renders the page into memory and writes it with a Status
 *	header, so that a failure half-way never sends half a page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "vdb.h"
#include "view.h"
#include "viewer_conf.h"

static const struct {
	const char *name;
	page_fn *fn;
	int post; /* accepts POST */
} pages[] = {
	{ "overview", page_overview, 0 },
	{ "worker", page_worker, 0 },
	{ "target", page_target, 0 },
	{ "changes", page_changes, 0 },
	{ "graph", page_graph, 0 },
	{ "geo", page_geo, 0 },
	{ "admin", page_admin, 1 },
};

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

/* respond -- Write the headers and (unless HEAD) the body. */
static void
respond(int status, const char *method, const struct buf *body)
{
	printf("Status: %d %s\r\n"
	       "Content-Type: text/html; charset=utf-8\r\n"
	       "Content-Length: %zu\r\n"
	       "Cache-Control: no-store\r\n"
	       "X-Content-Type-Options: nosniff\r\n"
	       "X-Frame-Options: DENY\r\n"
	       "Referrer-Policy: same-origin\r\n"
	       "Content-Security-Policy: default-src 'none'; "
	       "style-src 'unsafe-inline'; img-src 'self' data:; "
	       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	       "\r\n\r\n",
	    status, reason(status), body->len);
	if (strcmp(method, "HEAD") != 0 && body->len > 0)
		fwrite(body->data, 1, body->len, stdout);
	fflush(stdout);
}

/* error_page -- Replace the page with one saying 'msg' (escaped). */
static void
error_page(struct html *h, int status, const char *msg)
{
	buf_reset(&h->buf);
	h->oom = 0;
	html_begin(h, reason(status), "error", NULL, NULL);
	html_put(h, "<p class=\"bad\" id=\"error\">%d %s: %s</p>", status,
	    reason(status), msg);
	html_end(h);
}

/* read_body -- Read a form body of CONTENT_LENGTH bytes from stdin. */
static int
read_body(char **out, size_t *len, int *status, struct errbuf *eb)
{
	const char *cl = getenv("CONTENT_LENGTH"), *ct = getenv("CONTENT_TYPE");
	char *end, *b;
	long long n;
	size_t got = 0;
	ssize_t r;

	*out = NULL;
	*len = 0;
	if (cl == NULL || cl[0] == '\0')
		return 0;
	n = strtoll(cl, &end, 10);
	if (*end != '\0' || n < 0) {
		*status = 400;
		return errbuf_set(eb, "CONTENT_LENGTH: not a number");
	}
	if (n > CGI_MAX_BODY) {
		*status = 413;
		return errbuf_set(
		    eb, "body: larger than %d bytes", CGI_MAX_BODY);
	}
	if (n == 0)
		return 0;
	if (ct == NULL ||
	    strncmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] != '\0' && ct[33] != ';')) {
		*status = 415;
		return errbuf_set(eb,
		    "body: must be "
		    "application/x-www-form-urlencoded");
	}
	if ((b = malloc((size_t)n + 1)) == NULL) {
		*status = 500;
		return errbuf_set(eb, "out of memory");
	}
	while (got < (size_t)n) {
		r = read(STDIN_FILENO, b + got, (size_t)n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(b);
			*status = 400;
			return errbuf_set(eb,
			    "body: shorter than "
			    "CONTENT_LENGTH");
		}
		got += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = (size_t)n;
	return 0;
}

/*
 * at_epoch --
 *	Resolve 'at' (or the transaction's now()) once, as epoch seconds in
 *	'buf', and point v->at_epoch at it: every page query takes it as $1
 *	(VIEW_AT).  Returns 0 or -1 with v->eb (an 'at' PostgreSQL refuses
 *	is the client's error: 400).
 */
static int
at_epoch(struct view *v, char *buf, size_t len)
{
	PGresult *res;
	const char *vals[1] = { v->at };
	char state[6];

	res = vdb_exec(v->db,
	    "SELECT extract(epoch FROM coalesce($1::timestamptz, now()))", 1,
	    vals, state, v->eb);
	if (res == NULL) {
		if (strncmp(state, "22", 2) == 0)
			v->status = 400;
		return -1;
	}
	snprintf(buf, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	v->at_epoch = buf;
	return 0;
}

int
main(void)
{
	struct viewer_conf vc;
	struct conf *cf = NULL;
	struct cgi_params params = { .n = 0 };
	struct html h = HTML_INIT;
	struct errbuf eb;
	struct view v;
	const char *method, *qs, *page, *pi, *confpath;
	char *body = NULL, pname[24], epoch[64];
	size_t blen = 0, i, k;
	int status = 500, rc, found;

	log_init("pingsvc-viewer.cgi", LOG_LVL_WARN);
	errbuf_clear(&eb);
	memset(&v, 0, sizeof(v));
	method = getenv("REQUEST_METHOD");
	if (method == NULL)
		method = "GET";

	confpath = getenv("PINGSVC_VIEWER_CONF");
	if (confpath == NULL && access(VIEWER_CONF_PATH, F_OK) == 0)
		confpath = VIEWER_CONF_PATH;
	if (viewer_conf_load(confpath, &vc, &cf, &eb) != 0) {
		LOG(LOG_LVL_ERROR, "%s", errbuf_msg(&eb));
		error_page(&h, 500, "configuration error (see the server log)");
		goto send;
	}
	log_threshold = (enum log_level)vc.log_level;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "POST") != 0) {
		status = 405;
		error_page(&h, status, "only GET, HEAD and POST");
		goto send;
	}
	qs = getenv("QUERY_STRING");
	if (qs == NULL)
		qs = "";
	if (strlen(qs) > CGI_MAX_QUERY) {
		status = 414;
		error_page(&h, status, "query string too long");
		goto send;
	}
	if (cgi_parse(qs, strlen(qs), viewer_params, &params, &eb) != 0) {
		status = 400;
		error_page(&h, status, errbuf_msg(&eb));
		goto send;
	}
	if (strcmp(method, "POST") == 0) {
		if (read_body(&body, &blen, &status, &eb) != 0) {
			error_page(&h, status, errbuf_msg(&eb));
			goto send;
		}
		if (cgi_parse(body != NULL ? body : "", blen, viewer_params,
			&params, &eb) != 0) {
			status = 400;
			error_page(&h, status, errbuf_msg(&eb));
			goto send;
		}
	}

	/* ?page= wins; else the first PATH_INFO segment; else overview. */
	page = cgi_get(&params, "page");
	pi = getenv("PATH_INFO");
	if (page == NULL && pi != NULL && pi[0] == '/' && pi[1] != '\0') {
		for (k = 0; k + 1 < sizeof(pname) && pi[k + 1] >= 'a' &&
		     pi[k + 1] <= 'z';
		     k++)
			pname[k] = pi[k + 1];
		pname[k] = '\0';
		if (pi[k + 1] != '\0' && pi[k + 1] != '/') {
			status = 404;
			error_page(&h, status, "no such page");
			goto send;
		}
		page = pname;
	}
	if (page == NULL)
		page = "overview";
	found = -1;
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(pages[i].name, page) == 0)
			found = (int)i;
	if (found < 0) {
		status = 404;
		error_page(&h, status, "no such page");
		goto send;
	}
	if (strcmp(method, "POST") == 0 && !pages[found].post) {
		status = 405;
		error_page(&h, status, "this page takes no POST");
		goto send;
	}

	v.conf = &vc;
	v.params = &params;
	v.h = &h;
	v.at = cgi_get(&params, "at");
	v.user = getenv("REMOTE_USER");
	if (v.user != NULL && v.user[0] == '\0')
		v.user = NULL;
	v.method = method;
	v.remote_addr = getenv("REMOTE_ADDR");
	if (v.remote_addr != NULL && v.remote_addr[0] == '\0')
		v.remote_addr = NULL;
	v.status = 200;
	v.history = -1;
	v.eb = &eb;
	/* A benchmarking aid (tests/bench/viewer); never for POSTs. */
	if (getenv("PINGSVC_VIEWER_SQL_TRACE") != NULL &&
	    strcmp(method, "POST") != 0 &&
	    vdb_trace(getenv("PINGSVC_VIEWER_SQL_TRACE"), &eb) != 0)
		LOG(LOG_LVL_WARN, "%s", errbuf_msg(&eb));
	if ((v.db = vdb_connect(vc.db, &eb)) == NULL) {
		LOG(LOG_LVL_ERROR, "%s", errbuf_msg(&eb));
		status = 503;
		error_page(&h, status, "the database is unavailable");
		goto send;
	}
	if (vdb_begin(v.db, vc.statement_timeout_ms, 1, &eb) != 0 ||
	    at_epoch(&v, epoch, sizeof(epoch)) != 0)
		rc = -1;
	else
		rc = pages[found].fn(&v);
	if (rc == 0 && h.oom)
		rc = errbuf_set(&eb, "out of memory");
	if (rc != 0) {
		status = v.status >= 400 && v.status < 500 ? v.status : 500;
		if (status == 500)
			LOG(LOG_LVL_ERROR, "page %s: %s", page,
			    errbuf_msg(&eb));
		error_page(&h, status, errbuf_msg(&eb));
	} else
		status = v.status;
	PQclear(PQexec(v.db, "ROLLBACK"));
	PQfinish(v.db);
send:
	if (h.oom) {
		buf_reset(&h.buf);
		h.oom = 0;
		status = 500;
	}
	respond(status, method, &h.buf);
	html_free(&h);
	cgi_params_free(&params);
	free(body);
	prefix_set_free(&vc.allow);
	conf_free(cf);
	return 0;
}
