/*
 * client.c --
 *	HTTPS requests to the gateway and the parsers of its answers (see
 *	client.h).  One curl easy handle is kept, so the TLS session and
 *	the connection are reused between requests.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "client.h"
#include "json.h"
#include "netlib.h"

struct client {
	CURL *h;
	char *url;
	char *auth; /* "Authorization: Bearer ..." */
	char *ca_file;
	char *pinned;
	int timeout_s;
};

double
client_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

struct client *
client_new(const struct client_conf *cf, struct errbuf *eb)
{
	struct client *c = NULL;
	struct buf auth = BUF_INIT;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	if (netlib_load(eb) == -1)
		goto fail;
	if ((c->h = netlib.curl_easy_init()) == NULL) {
		errbuf_set(eb, "curl_easy_init failed");
		goto fail;
	}
	if (buf_printf(&auth, "Authorization: Bearer %s", cf->token) == -1 ||
	    (c->auth = strdup(buf_str(&auth))) == NULL ||
	    (c->url = strdup(cf->url)) == NULL)
		goto nomem;
	/* Trailing slashes would double up before "/v1/...". */
	while (strlen(c->url) > 0 && c->url[strlen(c->url) - 1] == '/')
		c->url[strlen(c->url) - 1] = '\0';
	if ((cf->ca_file != NULL && *cf->ca_file != '\0' &&
		(c->ca_file = dup_or_null(cf->ca_file)) == NULL) ||
	    (cf->pinned_pubkey != NULL && *cf->pinned_pubkey != '\0' &&
		(c->pinned = dup_or_null(cf->pinned_pubkey)) == NULL))
		goto nomem;
	c->timeout_s = cf->timeout_s;
	buf_free(&auth);
	return c;
nomem:
	errbuf_set(eb, "out of memory");
fail:
	buf_free(&auth);
	client_free(c);
	return NULL;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		netlib.curl_easy_cleanup(c->h);
	free(c->url);
	if (c->auth != NULL)
		explicit_bzero(c->auth, strlen(c->auth));
	free(c->auth);
	free(c->ca_file);
	free(c->pinned);
	free(c);
}

void
client_resp_free(struct client_resp *r)
{
	buf_free(&r->body);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct client_resp *r = arg;

	/* Returning less than given makes curl fail the transfer. */
	return buf_append(&r->body, p, size * n) == -1 ? 0 : size * n;
}

/* Retry-After (seconds form; an HTTP date is turned into seconds) and Date. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct client_resp *r = arg;
	size_t len = size * n;
	char v[128];
	const char *colon;
	size_t k;
	time_t t;

	if ((colon = memchr(p, ':', len)) == NULL)
		return len;
	k = (size_t)(colon - p);
	colon++;
	while (colon < p + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	snprintf(v, sizeof(v), "%.*s", (int)(p + len - colon), colon);
	v[strcspn(v, "\r\n")] = '\0';
	if (k == 11 && strncasecmp(p, "Retry-After", 11) == 0) {
		if (isdigit((unsigned char)v[0]))
			r->retry_after_s = atoi(v);
		else if ((t = netlib.curl_getdate(v, NULL)) != -1)
			r->retry_after_s = (int)(t - time(NULL));
		if (r->retry_after_s < 0)
			r->retry_after_s = 0;
	} else if (k == 4 && strncasecmp(p, "Date", 4) == 0) {
		if ((t = netlib.curl_getdate(v, NULL)) != -1)
			r->date = (double)t;
	}
	return len;
}

int
client_post(struct client *c, const char *path, const char *body, size_t len,
    struct client_resp *r, struct errbuf *eb)
{
	struct curl_slist *hdr = NULL, *h2;
	struct buf url = BUF_INIT;
	char cerr[CURL_ERROR_SIZE];
	CURLcode cc;
	int rc = -1;

	buf_free(&r->body);
	memset(r, 0, sizeof(*r));
	r->body = (struct buf)BUF_INIT;
	r->body.max = CLIENT_MAX_BODY;
	r->retry_after_s = -1;
	r->date = -1;
	cerr[0] = '\0';
	if (buf_printf(&url, "%s%s", c->url, path) == -1)
		goto nomem;
	if ((hdr = netlib.curl_slist_append(NULL, c->auth)) == NULL)
		goto nomem;
	if ((h2 = netlib.curl_slist_append(
		 hdr, "Content-Type: application/json")) == NULL)
		goto nomem;
	hdr = h2;
	/* No "Expect: 100-continue" round trip for large bodies. */
	if ((h2 = netlib.curl_slist_append(hdr, "Expect:")) == NULL)
		goto nomem;
	hdr = h2;
	netlib.curl_easy_reset(c->h);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_URL, buf_str(&url));
	(netlib.curl_easy_setopt)(c->h, CURLOPT_HTTPHEADER, hdr);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_POST, 1L);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_POSTFIELDS, body);
	(netlib.curl_easy_setopt)(
	    c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_WRITEFUNCTION, on_body);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_WRITEDATA, r);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_HEADERFUNCTION, on_header);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_HEADERDATA, r);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_ERRORBUFFER, cerr);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_CONNECTTIMEOUT,
	    (long)(c->timeout_s < 10 ? c->timeout_s : 10));
	/* Signals are ours (SIGTERM sets a flag); curl must not use them. */
	(netlib.curl_easy_setopt)(c->h, CURLOPT_NOSIGNAL, 1L);
	(netlib.curl_easy_setopt)(c->h, CURLOPT_PROTOCOLS_STR, "https,http");
	/*
	 * A pinned key without a CA file is the self-signed gateway's case:
	 * the pin alone identifies it (curl checks it whether or not the
	 * chain is verified).  With a CA file, both must hold.
	 */
	if (c->pinned != NULL && c->ca_file == NULL) {
		(netlib.curl_easy_setopt)(c->h, CURLOPT_SSL_VERIFYPEER, 0L);
		(netlib.curl_easy_setopt)(c->h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		(netlib.curl_easy_setopt)(c->h, CURLOPT_SSL_VERIFYPEER, 1L);
		(netlib.curl_easy_setopt)(c->h, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	(netlib.curl_easy_setopt)(c->h, CURLOPT_USERAGENT, "pingsvc-worker");
	if (c->ca_file != NULL)
		(netlib.curl_easy_setopt)(c->h, CURLOPT_CAINFO, c->ca_file);
	if (c->pinned != NULL)
		(netlib.curl_easy_setopt)(
		    c->h, CURLOPT_PINNEDPUBLICKEY, c->pinned);
	r->t_sent = client_time_now();
	cc = netlib.curl_easy_perform(c->h);
	r->t_done = client_time_now();
	if (cc != CURLE_OK) {
		errbuf_set(eb, "%s%s: %s", c->url, path,
		    cerr[0] != '\0' ? cerr : netlib.curl_easy_strerror(cc));
		goto out;
	}
	(netlib.curl_easy_getinfo)(c->h, CURLINFO_RESPONSE_CODE, &r->status);
	if (buf_append(&r->body, "", 0) == -1)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	errbuf_set(eb, "out of memory");
out:
	netlib.curl_slist_free_all(hdr);
	buf_free(&url);
	return rc;
}

int
client_parse_claim(const char *text, size_t len, struct job **jobs, size_t *n,
    size_t *bad, double *server_time, struct errbuf *eb)
{
	struct errbuf jeb;
	yajl_val v = NULL, arr;
	struct job *out = NULL;
	size_t i;
	int rc = -1;

	*jobs = NULL;
	*n = *bad = 0;
	*server_time = -1;
	if ((v = json_parse(text, len, eb)) == NULL)
		goto out;
	if (!YAJL_IS_OBJECT(v)) {
		errbuf_set(eb, "a claim answer must be a JSON object");
		goto out;
	}
	if ((arr = json_get(v, "jobs")) == NULL || !YAJL_IS_ARRAY(arr)) {
		errbuf_set(eb, "\"jobs\": missing or not an array");
		goto out;
	}
	if (json_double(v, "server_time", 0, -1, 0, 1e11, server_time, eb) ==
	    -1)
		goto out;
	if (arr->u.array.len > 0 &&
	    (out = calloc(arr->u.array.len, sizeof(*out))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	for (i = 0; i < arr->u.array.len; i++)
		if (job_decode(arr->u.array.values[i], &out[*n], &jeb) == 0)
			(*n)++;
		else
			(*bad)++;
	*jobs = out;
	out = NULL;
	rc = 0;
out:
	free(out);
	yajl_tree_free(v);
	return rc;
}

int
client_parse_submit(const char *text, size_t len,
    char (*keys)[RESULT_KEY_MAX + 1], size_t n, enum client_ack *acks,
    struct errbuf *eb)
{
	struct errbuf ieb;
	yajl_val v = NULL, arr, it;
	const char *key, *status;
	size_t i, k, hint = 0;
	int rc = -1, acked = 0;

	for (k = 0; k < n; k++)
		acks[k] = CLIENT_ACK_NONE;
	if ((v = json_parse(text, len, eb)) == NULL)
		goto out;
	if (!YAJL_IS_OBJECT(v) || (arr = json_get(v, "results")) == NULL ||
	    !YAJL_IS_ARRAY(arr)) {
		errbuf_set(eb, "\"results\": missing or not an array");
		goto out;
	}
	for (i = 0; i < arr->u.array.len; i++) {
		it = arr->u.array.values[i];
		if (json_str(it, "idem_key", 1, NULL, RESULT_KEY_MAX, &key,
			&ieb) == -1 ||
		    json_str(it, "status", 1, NULL, 32, &status, &ieb) == -1)
			continue;
		/* Answers come in request order: look there first. */
		for (k = 0; k < n; k++) {
			size_t at = (hint + k) % n;

			if (strcmp(keys[at], key) != 0)
				continue;
			if (acks[at] == CLIENT_ACK_NONE &&
			    (strcmp(status, "stored") == 0 ||
				strcmp(status, "duplicate") == 0)) {
				acks[at] = status[0] == 's' ? CLIENT_ACK_STORED
							    : CLIENT_ACK_DUP;
				acked++;
			}
			hint = at + 1;
			break;
		}
	}
	rc = acked;
out:
	yajl_tree_free(v);
	return rc;
}

long
client_parse_error(const char *text, size_t len, char *msg, size_t msglen)
{
	struct errbuf eb;
	yajl_val v;
	const char *e = "?", *d = "";
	char *end;
	long idx = -1;

	snprintf(msg, msglen, "(no JSON error body)");
	if ((v = json_parse(text, len, &eb)) == NULL)
		return -1;
	if (YAJL_IS_OBJECT(v)) {
		if (json_str(v, "error", 0, "?", 256, &e, &eb) == -1)
			e = "?";
		if (json_str(v, "detail", 0, "", 1024, &d, &eb) == -1)
			d = "";
		snprintf(msg, msglen, "%s: %s", e, d);
		if (strncmp(d, "results[", 8) == 0 &&
		    isdigit((unsigned char)d[8])) {
			idx = strtol(d + 8, &end, 10);
			if (*end != ']' || idx < 0)
				idx = -1;
		}
	}
	yajl_tree_free(v);
	return idx;
}
