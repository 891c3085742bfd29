/*
 * fuzz_viewer_query.c --
 *	libFuzzer harness for the viewer's query-string and form parser
 *	(viewer/cgi.c) with the program's own parameter table (viewer/params.c:
 *	every parameter of every page, so every validator), and for the
 *	escaping of what it accepts: no crash, no leak, and no accepted value
 *	that escapes to markup.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "html.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgi_params p = { .n = 0 };
	struct errbuf eb;
	struct buf b = BUF_INIT;
	size_t i;

	if (size > CGI_MAX_QUERY)
		return 0;
	if (cgi_parse((const char *)data, size, viewer_params, &p, &eb) == 0) {
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
