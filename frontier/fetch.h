/*
 * fetch.h --
 *	Conditional HTTP(S) download of a bootstrap list with libcurl: the
 *	validators of the previous download (ETag, Last-Modified) go out as
 *	If-None-Match / If-Modified-Since (RFC 9110 section 13.1), so a list
 *	that did not change costs one small request and no import.
 */
#ifndef PINGSVC_FRONTIER_FETCH_H
#define PINGSVC_FRONTIER_FETCH_H

#include <stddef.h>

#include "errbuf.h"

struct fetch_result {
	int unchanged;       /* 1: 304 Not Modified, no body */
	char *body;          /* malloc'd, NUL-terminated; NULL if unchanged */
	size_t len;          /* bytes of body */
	char *etag;          /* ETag of the response or NULL; malloc'd */
	char *last_modified; /* Last-Modified of the response or NULL */
};

/*
 * fetch_url --
 *	GET 'url' (http or https only, at most 5 redirects, 120 s) sending the
 *	validators 'etag' and 'last_modified' when not NULL.  A body larger
 *	than 'max' bytes is refused.  Returns 0 with '*r' filled (release with
 *	fetch_result_free), or -1 with 'eb' (network error, HTTP status other
 *	than 200 and 304).
 */
int fetch_url(const char *url, const char *etag, const char *last_modified,
    size_t max, struct fetch_result *r, struct errbuf *eb);

/* fetch_result_free -- Release what fetch_url stored.  NULL-safe. */
void fetch_result_free(struct fetch_result *r);

/* fetch_is_url -- 1 when 's' starts with http:// or https://. */
int fetch_is_url(const char *s);

#endif
