/*
 * scope.c --
 *	Worker scopes (see scope.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "scope.h"

static const char *const kind_names[] = { "ping", "traceroute" };
static const char *const proto_names[] = { "icmp", "udp", "tcp" };

void
scope_free(struct scope *s)
{
	if (s == NULL)
		return;
	free(s->prefixes);
	free(s->prefixes_lit);
	memset(s, 0, sizeof(*s));
}

int
scope_kinds_parse(const char *list, unsigned *kinds, struct errbuf *eb)
{
	const char *p = list, *e;
	size_t len, k;

	*kinds = 0;
	if (*p == '\0')
		return errbuf_set(eb, "kinds: empty");
	while (*p != '\0') {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		for (k = 0; k < 2; k++)
			if (strlen(kind_names[k]) == len &&
			    strncmp(kind_names[k], p, len) == 0)
				break;
		if (k == 2)
			return errbuf_set(eb,
			    "kinds: \"%.*s\" is not ping or traceroute",
			    (int)len, p);
		if (*kinds & (1u << k))
			return errbuf_set(
			    eb, "kinds: \"%s\" given twice", kind_names[k]);
		*kinds |= 1u << k;
		p += len;
		if (*p == ',' && *++p == '\0')
			return errbuf_set(eb, "kinds: trailing comma");
	}
	return 0;
}

/* The bit set of the words of 'names' found in the array literal. */
static unsigned
set_from_lit(const char *lit, const char *const *names, size_t n)
{
	unsigned set = 0;
	const char *p, *e;
	size_t len, k;

	if (lit == NULL)
		return 0;
	for (p = lit; *p != '\0'; p = e) {
		while (*p == '{' || *p == '}' || *p == ',' || *p == '"')
			p++;
		for (e = p; *e != '\0' && strchr("{},\"", *e) == NULL; e++)
			;
		len = (size_t)(e - p);
		for (k = 0; k < n; k++)
			if (len > 0 && strlen(names[k]) == len &&
			    strncmp(names[k], p, len) == 0)
				set |= 1u << k;
	}
	return set;
}

unsigned
scope_kinds_from_lit(const char *lit)
{
	return set_from_lit(lit, kind_names, 2);
}

unsigned
scope_protos_from_lit(const char *lit)
{
	return set_from_lit(lit, proto_names, 3);
}

static void
lit_from_set(
    unsigned set, const char *const *names, size_t n, char *out, size_t size)
{
	size_t k, used = 0;
	int w;

	if (size < 3) {
		if (size > 0)
			out[0] = '\0';
		return;
	}
	out[used++] = '{';
	for (k = 0; k < n; k++) {
		if (!(set & (1u << k)))
			continue;
		w = snprintf(out + used, size - used, "%s%s",
		    used > 1 ? "," : "", names[k]);
		if (w < 0 || (size_t)w >= size - used - 1)
			break;
		used += (size_t)w;
	}
	out[used++] = '}';
	out[used] = '\0';
}

void
scope_kinds_lit(unsigned kinds, char *out, size_t size)
{
	lit_from_set(kinds, kind_names, 2, out, size);
}

void
scope_protos_lit(unsigned protos, char *out, size_t size)
{
	lit_from_set(protos, proto_names, 3, out, size);
}

int
scope_prefix_add(struct scope *s, const char *text, struct errbuf *eb)
{
	struct prefix p, *np;
	char fmt[ADDR_STRLEN + 8];
	size_t old;
	char *lit;

	if (prefix_parse(text, &p, eb) == -1)
		return -1;
	if (s->nprefixes >= SCOPE_MAX_PREFIXES)
		return errbuf_set(
		    eb, "more than %d prefixes", SCOPE_MAX_PREFIXES);
	np = realloc(s->prefixes, (s->nprefixes + 1) * sizeof(*np));
	if (np == NULL)
		return errbuf_set(eb, "out of memory");
	s->prefixes = np;
	prefix_format(&p, fmt, sizeof(fmt));
	old = s->prefixes_lit != NULL ? strlen(s->prefixes_lit) : 0;
	/* "{a}" becomes "{a,b}": drop the "}", add ",b}". */
	if ((lit = realloc(s->prefixes_lit, old + strlen(fmt) + 4)) == NULL)
		return errbuf_set(eb, "out of memory");
	if (old == 0)
		snprintf(lit, strlen(fmt) + 4, "{%s}", fmt);
	else
		snprintf(lit + old - 1, strlen(fmt) + 4, ",%s}", fmt);
	s->prefixes_lit = lit;
	s->prefixes[s->nprefixes++] = p;
	return 0;
}

int
scope_prefixes_from_lit(struct scope *s, const char *lit, struct errbuf *eb)
{
	char item[ADDR_STRLEN + 8];
	const char *p, *e;
	size_t len;

	if (lit == NULL || *lit == '\0')
		return 0;
	if (lit[0] != '{')
		return errbuf_set(eb, "prefixes: not an array literal");
	for (p = lit + 1; *p != '\0' && *p != '}'; p = *e == ',' ? e + 1 : e) {
		for (e = p; *e != '\0' && *e != ',' && *e != '}'; e++)
			;
		len = (size_t)(e - p);
		if (len == 0 || len >= sizeof(item))
			return errbuf_set(eb, "prefixes: bad element");
		memcpy(item, p, len);
		item[len] = '\0';
		if (scope_prefix_add(s, item, eb) == -1)
			return -1;
	}
	return 0;
}

int
scope_check(const struct scope *s, const struct result *r, struct errbuf *eb)
{
	char have[40], addr[ADDR_STRLEN];
	unsigned kind, proto;
	size_t i;

	kind = r->type == RESULT_PING ? SCOPE_PING : SCOPE_TRACEROUTE;
	if (!(s->kinds & kind)) {
		scope_kinds_lit(s->kinds, have, sizeof(have));
		return errbuf_set(eb,
		    "\"type\": %s is outside this worker's scope (kinds %s)",
		    kind == SCOPE_PING ? "ping" : "traceroute", have);
	}
	proto = r->proto == PROTO_ICMP ? SCOPE_ICMP
	    : r->proto == PROTO_UDP    ? SCOPE_UDP
				       : SCOPE_TCP;
	if (!(s->protos & proto)) {
		scope_protos_lit(s->protos, have, sizeof(have));
		return errbuf_set(eb,
		    "\"proto\": %s is outside this worker's scope "
		    "(protocols %s)",
		    result_proto_name(r->proto), have);
	}
	if (s->nprefixes == 0)
		return 0;
	for (i = 0; i < s->nprefixes; i++)
		if (prefix_contains(&s->prefixes[i], &r->dst))
			return 0;
	return errbuf_set(eb,
	    "\"dst_addr\": %s is outside this worker's scope (prefixes %s)",
	    addr_format(&r->dst, addr, sizeof(addr)),
	    s->prefixes_lit != NULL ? s->prefixes_lit : "{}");
}
