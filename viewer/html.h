/*
 * html.h --
 *	Building the HTML (with inline SVG) of a page.  Every string goes
 *	through html_put's "%s", which escapes it for text and quoted
 *	attributes alike; only literals of the program go out raw ("%r").
 *	So a value from the database or the request cannot add markup.
 */
#ifndef PINGSVC_VIEWER_HTML_H
#define PINGSVC_VIEWER_HTML_H

#include <stddef.h>

#include "buf.h"

/* A page under construction.  'oom' sticks once an append failed. */
struct html {
	struct buf buf;
	int oom;
};

#define HTML_INIT                                                              \
	{                                                                      \
		BUF_INIT, 0                                                    \
	}

/*
 * html_esc --
 *	Append 's' with & < > " ' replaced by entities (HTML text, quoted
 *	attribute values, and SVG/XML alike).  Bytes below 0x20 other than
 *	tab and newline become U+FFFD, as XML does not allow them.  NULL
 *	appends nothing.  Returns 0 or -1.
 */
int html_esc(struct buf *b, const char *s);

/* svg_esc -- Escape for SVG text and attributes (the same rules). */
int svg_esc(struct buf *b, const char *s);

/* uri_esc -- Percent-encode all but RFC 3986 unreserved characters. */
int uri_esc(struct buf *b, const char *s);

/*
 * html_put --
 *	Append formatted output.  Conversions: %s escaped string (NULL is
 *	""), %u URI-component-encoded string, %r raw string (program
 *	literals only), %d int, %ld long, %lld long long, %zu size_t,
 *	%.Nf double with N in 0..9, %% a percent sign.
 */
void html_put(struct html *h, const char *fmt, ...);

/*
 * html_begin --
 *	Open a page: doctype, head with the style sheet, the navigation
 *	(links keep 'at' when set) and a form to choose the time 'at'.
 *	'page' is the current page's name, 'hidden' extra hidden
 *	name/value pairs for the time form (NULL-terminated, may be NULL).
 */
void html_begin(struct html *h, const char *title, const char *page,
    const char *at, const char *const *hidden);

/* html_end -- Close the page. */
void html_end(struct html *h);

/* html_free -- Release the buffer.  NULL-safe. */
void html_free(struct html *h);

#endif
