/*
 * fetch.c --
 *	Conditional download of bootstrap lists; see fetch.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "fetch.h"

struct fetch_ctx {
	struct buf body;
	char *etag;
	char *last_modified;
	int too_big;
};

static size_t
fetch_write(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_ctx *c = arg;

	if (buf_append(&c->body, p, size * n) == -1) {
		c->too_big = 1;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* Keep a copy of header 'name' (value trimmed) into '*out'. */
static void
fetch_header_value(const char *line, size_t len, const char *name, char **out)
{
	size_t nlen = strlen(name);
	const char *v, *e;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 ||
	    line[nlen] != ':')
		return;
	v = line + nlen + 1;
	e = line + len;
	while (v < e && isspace((unsigned char)*v))
		v++;
	while (e > v && isspace((unsigned char)e[-1]))
		e--;
	free(*out);
	*out = (e > v && e - v <= 1000) ? strndup(v, (size_t)(e - v)) : NULL;
}

static size_t
fetch_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_ctx *c = arg;

	/* A new response (after a redirect) starts with its status line. */
	if (size * n > 5 && strncmp(p, "HTTP/", 5) == 0) {
		free(c->etag);
		free(c->last_modified);
		c->etag = c->last_modified = NULL;
	}
	fetch_header_value(p, size * n, "ETag", &c->etag);
	fetch_header_value(p, size * n, "Last-Modified", &c->last_modified);
	return size * n;
}

int
fetch_is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

int
fetch_url(const char *url, const char *etag, const char *last_modified,
    size_t max, struct fetch_result *r, struct errbuf *eb)
{
	struct fetch_ctx c;
	struct curl_slist *hdrs = NULL, *h;
	struct buf line = BUF_INIT;
	char cerr[CURL_ERROR_SIZE];
	CURL *curl = NULL;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	c.body.max = max;
	cerr[0] = '\0';
	if ((curl = curl_easy_init()) == NULL) {
		errbuf_set(eb, "%s: cannot initialise libcurl", url);
		goto out;
	}
	if (etag != NULL && etag[0] != '\0') {
		if (buf_printf(&line, "If-None-Match: %s", etag) == -1 ||
		    (h = curl_slist_append(hdrs, buf_str(&line))) == NULL)
			goto oom;
		hdrs = h;
	}
	if (last_modified != NULL && last_modified[0] != '\0') {
		buf_reset(&line);
		if (buf_printf(&line, "If-Modified-Since: %s", last_modified) ==
			-1 ||
		    (h = curl_slist_append(hdrs, buf_str(&line))) == NULL)
			goto oom;
		hdrs = h;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT,
	    "pingsvc-frontier (ping_service bootstrap import)");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, fetch_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
	if ((cc = curl_easy_perform(curl)) != CURLE_OK) {
		if (c.too_big)
			errbuf_set(eb,
			    "%s: larger than %zu bytes (raise "
			    "import.max_bytes)",
			    url, max);
		else
			errbuf_set(eb, "%s: %s", url,
			    cerr[0] != '\0' ? cerr : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 304) {
		r->unchanged = 1;
	} else if (status == 200) {
		if (c.body.data == NULL && buf_append(&c.body, "", 0) == -1)
			goto oom;
		r->len = c.body.len;
		r->body = c.body.data;
		c.body.data = NULL;
	} else {
		errbuf_set(eb, "%s: HTTP status %ld", url, status);
		goto out;
	}
	r->etag = c.etag;
	r->last_modified = c.last_modified;
	c.etag = c.last_modified = NULL;
	rc = 0;
	goto out;
oom:
	errbuf_set(eb, "out of memory");
out:
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	buf_free(&c.body);
	buf_free(&line);
	free(c.etag);
	free(c.last_modified);
	return rc;
}

void
fetch_result_free(struct fetch_result *r)
{
	if (r == NULL)
		return;
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	memset(r, 0, sizeof(*r));
}
