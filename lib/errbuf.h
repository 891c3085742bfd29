/*
 * errbuf.h --
 *	Caller-supplied error descriptions.  Library code never prints or
 *	exits; it fills a struct errbuf and returns -1 (or NULL), so the
 *	caller decides whether the failure goes to a log, an HTTP answer or
 *	stderr.
 */
#ifndef PINGSVC_ERRBUF_H
#define PINGSVC_ERRBUF_H

#include <stddef.h>

#define ERRBUF_LEN 512

struct errbuf {
	char msg[ERRBUF_LEN]; /* NUL-terminated, "" when unset */
};

/*
 * errbuf_set --
 *	Describe a failure in 'eb' (printf-style).  'eb' may be NULL, in which
 *	case the message is dropped.  Always returns -1 so that callers can
 *	write "return errbuf_set(eb, ...);".
 */
int errbuf_set(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * errbuf_prefix --
 *	Put "prefix: " in front of the message already in 'eb', so that each
 *	layer can add its context (file name, item index) on the way up.
 *	Returns -1.
 */
int errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* errbuf_clear -- Forget any message.  NULL-safe. */
void errbuf_clear(struct errbuf *eb);

/* errbuf_msg -- The message, or "unknown error" when none was set. */
const char *errbuf_msg(const struct errbuf *eb);

#endif
