/*
 * cmd.c --
 *	Option value parsing shared by ping_cmd.c and trace_cmd.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"

int
cmd_int(const char *opt, const char *s, long min, long max, int *out,
    struct errbuf *eb)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		return errbuf_set(eb, "%s: \"%s\" is not a number", opt, s);
	if (v < min || v > max)
		return errbuf_set(
		    eb, "%s: %ld is not in %ld..%ld", opt, v, min, max);
	*out = (int)v;
	return 0;
}

int
cmd_proto(
    const char *s, unsigned allowed, enum result_proto *out, struct errbuf *eb)
{
	enum result_proto p;

	if (result_proto_parse(s, &p) == -1 || !(allowed & (1U << p)))
		return errbuf_set(eb, "--proto: \"%s\" is not one of %s%s%s", s,
		    allowed & (1U << PROTO_ICMP) ? "icmp " : "",
		    allowed & (1U << PROTO_UDP) ? "udp " : "",
		    allowed & (1U << PROTO_TCP) ? "tcp" : "");
	*out = p;
	return 0;
}

int
cmd_target(const char *s, struct addr *out, struct errbuf *eb)
{
	if (addr_parse(s, out, eb) == -1)
		return errbuf_set(eb,
		    "\"%s\" is not an IP address (give an IPv4 or IPv6 "
		    "literal; names are not resolved)",
		    s);
	return 0;
}

int
cmd_targets_load(
    const char *path, struct addr **out, size_t *n, struct errbuf *eb)
{
	FILE *f = NULL;
	struct addr *v = NULL, *nv;
	char *line = NULL, *s, *e;
	size_t cap = 0, lcap = 0, lineno = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		errbuf_set(eb, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (getline(&line, &lcap, f) != -1) {
		lineno++;
		if ((e = strchr(line, '#')) != NULL)
			*e = '\0';
		for (s = line; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);
		     e--)
			;
		*e = '\0';
		if (*s == '\0')
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				errbuf_set(eb, "out of memory");
				goto out;
			}
			v = nv;
		}
		if (cmd_target(s, &v[*n], eb) == -1) {
			errbuf_prefix(eb, "%s:%zu", path, lineno);
			goto out;
		}
		(*n)++;
	}
	if (ferror(f)) {
		errbuf_set(eb, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (*n == 0) {
		errbuf_set(eb, "%s: no target address", path);
		goto out;
	}
	*out = v;
	v = NULL;
	rc = 0;
out:
	if (f != NULL && f != stdin)
		fclose(f);
	free(line);
	free(v);
	if (rc == -1)
		*n = 0;
	return rc;
}

int
cmd_operands(const char *name, int argc, char **argv, int first,
    const char *targets, struct addr *dst, struct errbuf *eb)
{
	if (targets != NULL) {
		if (first != argc)
			return errbuf_set(eb,
			    "%s: give --targets FILE or ADDRESS, not both",
			    name);
		return 0;
	}
	if (first != argc - 1)
		return errbuf_set(eb, "%s: give %s ADDRESS", name,
		    first >= argc ? "one" : "exactly one");
	return cmd_target(argv[first], dst, eb);
}
