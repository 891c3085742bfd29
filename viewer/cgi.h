/*
 * cgi.h --
 *	The CGI request (RFC 3875): the query string and form body decoded
 *	into name/value pairs, each checked by a strict validator named in a
 *	table of known parameters, so that no page ever sees an unchecked
 *	value.  A bad or unknown parameter is an error naming it.
 */
#ifndef PINGSVC_VIEWER_CGI_H
#define PINGSVC_VIEWER_CGI_H

#include <stddef.h>

#include "errbuf.h"

/* Limits that keep one request small whatever the client sends. */
#define CGI_MAX_PARAMS 32
#define CGI_MAX_QUERY  4096 /* bytes of QUERY_STRING */
#define CGI_MAX_BODY   8192 /* bytes of a form body (CONTENT_LENGTH) */
#define CGI_MAX_VALUE  512  /* bytes of one decoded value */

/* How a parameter's value is checked. */
enum cgi_kind {
	CGI_PAGE,    /* a page name: [a-z]{1,20} */
	CGI_TS,      /* ISO 8601 timestamp, see cgi_valid_ts */
	CGI_ADDR,    /* one IPv4 or IPv6 address (lib/addr) */
	CGI_PREFIX,  /* CIDR prefix, host bits zero (lib/addr) */
	CGI_VANTAGE, /* worker name or atlas:<probe id> */
	CGI_INT,     /* decimal integer within [min, max] */
	CGI_ENUM,    /* one of the '|'-separated words in 'words' */
	CGI_TOKEN,   /* CSRF token: 64 lower-case hex digits */
	CGI_TEXT     /* printable text without control characters */
};

struct cgi_spec {
	const char *name;
	enum cgi_kind kind;
	long long min, max; /* CGI_INT range; CGI_TEXT max length */
	const char *words;  /* CGI_ENUM: "icmp|udp|tcp" */
};

struct cgi_param {
	const struct cgi_spec *spec;
	char *value; /* decoded and validated, NUL-terminated */
};

struct cgi_params {
	struct cgi_param v[CGI_MAX_PARAMS];
	size_t n;
};

/*
 * cgi_parse --
 *	Decode 'len' bytes of application/x-www-form-urlencoded text (a
 *	query string or a form body) into 'out', appending to what it holds.
 *	Every name must be in 'specs' (terminated by a NULL name), appear at
 *	most once, and its value must pass the validator of its kind.
 *	Returns 0, or -1 with 'eb' naming the parameter and what is wrong
 *	(the message holds no byte of the bad value, so it is safe to show).
 *	'out' owns its values: cgi_params_free, also after a failure.
 */
int cgi_parse(const char *s, size_t len, const struct cgi_spec *specs,
    struct cgi_params *out, struct errbuf *eb);

/* cgi_get -- The validated value of 'name', or NULL when absent. */
const char *cgi_get(const struct cgi_params *p, const char *name);

/* cgi_params_free -- Release the values; 'p' is empty afterwards. */
void cgi_params_free(struct cgi_params *p);

/*
 * cgi_valid_ts --
 *	1 when 's' is an ISO 8601 date or date-time PostgreSQL reads the same
 *	way: YYYY-MM-DD, optionally 'T' or ' ' and hh:mm[:ss[.ffffff]] and a
 *	zone (Z, +hh, +hh:mm, +hhmm), year 1900..9999, real calendar dates.
 */
int cgi_valid_ts(const char *s);

/* cgi_valid_vantage -- 1 for a worker name or "atlas:<1..10 digits>". */
int cgi_valid_vantage(const char *s);

/*
 * cgi_check --
 *	Check one decoded value against 'spec'.  Returns 0, or -1 with 'eb'
 *	saying what the parameter should look like.
 */
int cgi_check(
    const struct cgi_spec *spec, const char *value, struct errbuf *eb);

#endif
