/*
 * submit_parse.c --
 *	Validation of submit bodies (see submit_parse.h).
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "json.h"
#include "submit_parse.h"

int
submit_json_error(const char *text, size_t len, struct errbuf *eb)
{
	struct errbuf jeb;
	yajl_handle h;
	yajl_status st;
	unsigned char *msg;
	size_t at = 0, n;
	yajl_val v;

	/* json_parse says what broke (depth, NUL, yajl's words) ... */
	if ((v = json_parse(text, len, &jeb)) != NULL) {
		yajl_tree_free(v);
		return errbuf_set(eb, "invalid JSON");
	}
	/* ... and a callback-less yajl pass says where. */
	if ((h = yajl_alloc(NULL, NULL, NULL)) == NULL)
		return errbuf_set(eb, "%s", errbuf_msg(&jeb));
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st != yajl_status_ok) {
		at = yajl_get_bytes_consumed(h);
		msg = yajl_get_error(h, 0, NULL, 0);
		if (msg != NULL) {
			n = strcspn((char *)msg, "\n");
			errbuf_set(eb, "invalid JSON at byte %zu: %.*s", at,
			    (int)n, (char *)msg);
			yajl_free_error(h, msg);
			yajl_free(h);
			return -1;
		}
	}
	yajl_free(h);
	return errbuf_set(eb, "%s", errbuf_msg(&jeb));
}

void
submit_batch_free(struct submit_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		result_free(b->results[i]);
	free(b->results);
	b->results = NULL;
	b->n = 0;
}

int
submit_parse(const char *text, size_t len, size_t max, struct submit_batch *out,
    struct errbuf *eb)
{
	struct errbuf ieb;
	yajl_val root = NULL, arr;
	size_t i, n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((root = json_parse(text, len, &ieb)) == NULL) {
		submit_json_error(text, len, eb);
		goto out;
	}
	if (!YAJL_IS_OBJECT(root)) {
		errbuf_set(eb,
		    "the body must be a JSON object "
		    "{\"results\": [...]}");
		goto out;
	}
	arr = json_get(root, "results");
	if (arr == NULL) {
		errbuf_set(eb, "\"results\": missing");
		goto out;
	}
	if (!YAJL_IS_ARRAY(arr)) {
		errbuf_set(eb, "\"results\": must be an array");
		goto out;
	}
	n = arr->u.array.len;
	if (n == 0) {
		errbuf_set(eb, "\"results\": empty");
		goto out;
	}
	if (n > max) {
		errbuf_set(eb,
		    "\"results\": %zu items, at most %zu per request", n, max);
		goto out;
	}
	if ((out->results = calloc(n, sizeof(*out->results))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (result_decode(arr->u.array.values[i], RESULT_WIRE,
			&out->results[i], &ieb) == -1) {
			errbuf_set(eb, "results[%zu]: %s", i, errbuf_msg(&ieb));
			goto out;
		}
		out->n = i + 1;
	}
	rc = 0;
out:
	if (rc == -1)
		submit_batch_free(out);
	yajl_tree_free(root);
	return rc;
}
