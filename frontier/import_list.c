/*
 * import_list.c --
 *	Plain lists: one address or CIDR a line, as Cloudflare's ips-v4/v6 and
 *	Akamai's lists publish them.  '#' starts a comment; blank lines and
 *	white space around an entry (Akamai's trailing TAB, CRLF) are ignored;
 *	the last line need not end in a newline (Cloudflare's ips-v4).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "import.h"

/* Longest entry accepted: an IPv6 CIDR is at most 43 bytes. */
#define LIST_ENTRY_MAX 64

static int
list_parse(const char *data, size_t len, const struct import_sink *sink,
    struct errbuf *eb)
{
	char entry[LIST_ENTRY_MAX + 1];
	const char *p = data, *end = data + len, *nl, *s, *e, *hash;
	struct prefix pfx;
	size_t lineno = 0;

	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		e = nl;
		if ((hash = memchr(p, '#', (size_t)(nl - p))) != NULL)
			e = hash;
		s = p;
		p = nl < end ? nl + 1 : end;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e)
			continue;
		if ((size_t)(e - s) > LIST_ENTRY_MAX)
			return errbuf_set(eb,
			    "line %zu: entry longer than %d "
			    "bytes",
			    lineno, LIST_ENTRY_MAX);
		memcpy(entry, s, (size_t)(e - s));
		entry[e - s] = '\0';
		if (prefix_parse(entry, &pfx, eb) == -1 ||
		    sink->prefix(sink->arg, &pfx, NULL, eb) == -1)
			return errbuf_prefix(eb, "line %zu", lineno);
	}
	return 0;
}

const struct import_format import_list = {
	"list",
	"one address or CIDR a line, '#' comments",
	list_parse,
};
