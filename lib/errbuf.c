/*
 * errbuf.c --
 *	Error descriptions carried back to the caller (see errbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errbuf.h"

int
errbuf_set(struct errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return -1;
	va_start(ap, fmt);
	/* Truncation is acceptable: a cut message is better than none. */
	(void)vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
{
	char head[ERRBUF_LEN], old[ERRBUF_LEN];
	va_list ap;

	if (eb == NULL)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, eb->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* A cut message still names the outer context, which matters most. */
	if (snprintf(eb->msg, sizeof(eb->msg), "%s: %s", head,
		old[0] != '\0' ? old : "unknown error") >= (int)sizeof(eb->msg))
		eb->msg[sizeof(eb->msg) - 1] = '\0';
	return -1;
}

void
errbuf_clear(struct errbuf *eb)
{
	if (eb != NULL)
		eb->msg[0] = '\0';
}

const char *
errbuf_msg(const struct errbuf *eb)
{
	if (eb == NULL || eb->msg[0] == '\0')
		return "unknown error";
	return eb->msg;
}
