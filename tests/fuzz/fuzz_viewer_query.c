/*
 * fuzz_viewer_query.c --
 *	libFuzzer harness for the viewer's query-string and form parser
 *	(viewer/cgi.c) with every validator, and for the escaping of what it
 *	accepts: no crash, no leak, and no accepted value that escapes to
 *	markup.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cgi_spec specs[] = {
	{ "page", CGI_PAGE, 0, 0, NULL },
	{ "at", CGI_TS, 0, 0, NULL },
	{ "from", CGI_TS, 0, 0, NULL },
	{ "target", CGI_ADDR, 0, 0, NULL },
	{ "vantage", CGI_VANTAGE, 0, 0, NULL },
	{ "limit", CGI_INT, 1, 1000, NULL },
	{ "action", CGI_ENUM, 0, 0, "pause|resume|add_target" },
	{ "csrf", CGI_TOKEN, 0, 0, NULL },
	{ "prefix", CGI_PREFIX, 0, 0, NULL },
	{ "reason", CGI_TEXT, 0, 1000, NULL },
	{ NULL, CGI_TEXT, 0, 0, NULL },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgi_params p = { .n = 0 };
	struct errbuf eb;
	struct buf b = BUF_INIT;
	size_t i;

	if (size > CGI_MAX_QUERY)
		return 0;
	if (cgi_parse((const char *)data, size, specs, &p, &eb) == 0) {
		for (i = 0; i < p.n; i++) {
			buf_reset(&b);
			if (html_esc(&b, p.v[i].value) != 0)
				abort();
			if (strchr(buf_str(&b), '<') != NULL ||
			    strchr(buf_str(&b), '"') != NULL)
				abort();
		}
	} else if (strchr(eb.msg, '<') != NULL) {
		abort(); /* error messages are shown on the 400 page */
	}
	cgi_params_free(&p);
	buf_free(&b);
	return 0;
}
