/*
 * addr.c --
 *	Address parsing, classification and the probing safety rule (see
 *	addr.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/*
 * The special-purpose ranges, from the IANA IPv4 and IPv6 Special-Purpose
 * Address Registries.  The longest matching entry wins, which lets a
 * globally reachable assignment (AS112, AMT, ...) inside a reserved block
 * stay public.  IPv6 outside 2000::/3 is reserved (RFC 4291 leaves it
 * unassigned); translation and tunnel prefixes (NAT64, Teredo, 6to4) are
 * reserved too: the host behind them is the real target, not the relay.
 */
struct special {
	const char *cidr;
	enum addr_class cls;
	const char *why;
};

static const struct special special_table[] = {
	{ "0.0.0.0/8", ADDR_RESERVED, "0.0.0.0/8 \"this network\" (RFC 791)" },
	{ "0.0.0.0/32", ADDR_UNSPECIFIED, "0.0.0.0/32 unspecified (RFC 1122)" },
	{ "10.0.0.0/8", ADDR_PRIVATE, "10.0.0.0/8 private-use (RFC 1918)" },
	{ "100.64.0.0/10", ADDR_SHARED,
	    "100.64.0.0/10 shared address space (RFC 6598)" },
	{ "127.0.0.0/8", ADDR_LOOPBACK, "127.0.0.0/8 loopback (RFC 1122)" },
	{ "169.254.0.0/16", ADDR_LINKLOCAL,
	    "169.254.0.0/16 link-local (RFC 3927)" },
	{ "172.16.0.0/12", ADDR_PRIVATE,
	    "172.16.0.0/12 private-use (RFC 1918)" },
	{ "192.0.0.0/24", ADDR_RESERVED,
	    "192.0.0.0/24 IETF protocol assignments (RFC 6890)" },
	{ "192.0.0.9/32", ADDR_PUBLIC, NULL },
	{ "192.0.0.10/32", ADDR_PUBLIC, NULL },
	{ "192.0.2.0/24", ADDR_DOCUMENTATION,
	    "192.0.2.0/24 documentation TEST-NET-1 (RFC 5737)" },
	{ "192.88.99.0/24", ADDR_RESERVED,
	    "192.88.99.0/24 deprecated 6to4 relay anycast (RFC 7526)" },
	{ "192.168.0.0/16", ADDR_PRIVATE,
	    "192.168.0.0/16 private-use (RFC 1918)" },
	{ "198.18.0.0/15", ADDR_BENCHMARK,
	    "198.18.0.0/15 benchmarking (RFC 2544)" },
	{ "198.51.100.0/24", ADDR_DOCUMENTATION,
	    "198.51.100.0/24 documentation TEST-NET-2 (RFC 5737)" },
	{ "203.0.113.0/24", ADDR_DOCUMENTATION,
	    "203.0.113.0/24 documentation TEST-NET-3 (RFC 5737)" },
	{ "224.0.0.0/4", ADDR_MULTICAST, "224.0.0.0/4 multicast (RFC 5771)" },
	{ "240.0.0.0/4", ADDR_RESERVED, "240.0.0.0/4 reserved (RFC 1112)" },
	{ "255.255.255.255/32", ADDR_BROADCAST,
	    "255.255.255.255/32 limited broadcast (RFC 919)" },

	{ "::/0", ADDR_RESERVED,
	    "IPv6 outside 2000::/3, unassigned (RFC 4291)" },
	{ "2000::/3", ADDR_PUBLIC, NULL },
	{ "::/128", ADDR_UNSPECIFIED, "::/128 unspecified (RFC 4291)" },
	{ "::1/128", ADDR_LOOPBACK, "::1/128 loopback (RFC 4291)" },
	{ "::ffff:0:0/96", ADDR_RESERVED,
	    "::ffff:0:0/96 IPv4-mapped (RFC 4291)" },
	{ "64:ff9b::/96", ADDR_RESERVED,
	    "64:ff9b::/96 NAT64 translation (RFC 6052)" },
	{ "64:ff9b:1::/48", ADDR_RESERVED,
	    "64:ff9b:1::/48 local NAT64 translation (RFC 8215)" },
	{ "100::/64", ADDR_RESERVED, "100::/64 discard-only (RFC 6666)" },
	{ "2001::/23", ADDR_RESERVED,
	    "2001::/23 IETF protocol assignments (RFC 2928)" },
	{ "2001::/32", ADDR_RESERVED, "2001::/32 Teredo (RFC 4380)" },
	{ "2001:1::1/128", ADDR_PUBLIC, NULL },
	{ "2001:1::2/128", ADDR_PUBLIC, NULL },
	{ "2001:1::3/128", ADDR_PUBLIC, NULL },
	{ "2001:2::/48", ADDR_BENCHMARK,
	    "2001:2::/48 benchmarking (RFC 5180)" },
	{ "2001:3::/32", ADDR_PUBLIC, NULL },
	{ "2001:4:112::/48", ADDR_PUBLIC, NULL },
	{ "2001:10::/28", ADDR_RESERVED,
	    "2001:10::/28 deprecated ORCHID (RFC 4843)" },
	{ "2001:20::/28", ADDR_PUBLIC, NULL },
	{ "2001:30::/28", ADDR_PUBLIC, NULL },
	{ "2001:db8::/32", ADDR_DOCUMENTATION,
	    "2001:db8::/32 documentation (RFC 3849)" },
	{ "2002::/16", ADDR_RESERVED, "2002::/16 6to4 (RFC 3056)" },
	{ "3fff::/20", ADDR_DOCUMENTATION,
	    "3fff::/20 documentation (RFC 9637)" },
	{ "5f00::/16", ADDR_RESERVED, "5f00::/16 SRv6 SIDs (RFC 9602)" },
	{ "fc00::/7", ADDR_PRIVATE, "fc00::/7 unique-local (RFC 4193)" },
	{ "fe80::/10", ADDR_LINKLOCAL, "fe80::/10 link-local (RFC 4291)" },
	{ "ff00::/8", ADDR_MULTICAST, "ff00::/8 multicast (RFC 4291)" },
};

#define NSPECIAL (sizeof(special_table) / sizeof(special_table[0]))

static struct prefix special_prefix[NSPECIAL];
static pthread_once_t special_once = PTHREAD_ONCE_INIT;

static const char *const class_names[] = {
	[ADDR_PUBLIC] = "public",
	[ADDR_UNSPECIFIED] = "unspecified",
	[ADDR_LOOPBACK] = "loopback",
	[ADDR_PRIVATE] = "private",
	[ADDR_SHARED] = "shared",
	[ADDR_LINKLOCAL] = "link-local",
	[ADDR_MULTICAST] = "multicast",
	[ADDR_BROADCAST] = "broadcast",
	[ADDR_DOCUMENTATION] = "documentation",
	[ADDR_BENCHMARK] = "benchmarking",
	[ADDR_RESERVED] = "reserved",
};

int
addr_parse(const char *s, struct addr *out, struct errbuf *eb)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0')
		return errbuf_set(eb, "empty address");
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out->b) != 1)
			return errbuf_set(
			    eb, "invalid IPv6 address \"%.64s\"", s);
		out->af = 6;
		return 0;
	}
	/* inet_pton(AF_INET) accepts exactly four decimal octets. */
	if (inet_pton(AF_INET, s, out->b) != 1)
		return errbuf_set(eb, "invalid IPv4 address \"%.64s\"", s);
	out->af = 4;
	return 0;
}

static unsigned
addr_bits(const struct addr *a)
{
	return a->af == 4 ? 32 : 128;
}

/* Zero the bits of 'a' beyond the first 'len'. */
static void
addr_mask(struct addr *a, unsigned len)
{
	unsigned i, nbytes = addr_bits(a) / 8;

	for (i = 0; i < nbytes; i++) {
		if (len >= 8 * (i + 1))
			continue;
		if (len <= 8 * i)
			a->b[i] = 0;
		else
			a->b[i] &= (uint8_t)(0xff << (8 - (len - 8 * i)));
	}
}

int
prefix_parse(const char *s, struct prefix *out, struct errbuf *eb)
{
	char host[ADDR_STRLEN];
	const char *slash;
	char *end;
	long len;
	size_t hlen;
	struct addr masked;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return errbuf_set(eb, "empty prefix");
	if ((slash = strchr(s, '/')) == NULL) {
		if (addr_parse(s, &out->addr, eb) == -1)
			return -1;
		out->len = (uint8_t)addr_bits(&out->addr);
		return 0;
	}
	hlen = (size_t)(slash - s);
	if (hlen == 0 || hlen >= sizeof(host))
		return errbuf_set(eb, "invalid prefix \"%.64s\"", s);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (addr_parse(host, &out->addr, eb) == -1)
		return -1;
	if (!isdigit((unsigned char)slash[1]))
		return errbuf_set(eb, "invalid prefix length in \"%.64s\"", s);
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || len < 0 ||
	    len > (long)addr_bits(&out->addr))
		return errbuf_set(eb, "invalid prefix length in \"%.64s\"", s);
	out->len = (uint8_t)len;
	masked = out->addr;
	addr_mask(&masked, out->len);
	if (memcmp(&masked, &out->addr, sizeof(masked)) != 0)
		return errbuf_set(eb,
		    "prefix \"%.64s\" has bits set beyond "
		    "its length",
		    s);
	return 0;
}

char *
addr_format(const struct addr *a, char *dst, size_t len)
{
	if (inet_ntop(a->af == 4 ? AF_INET : AF_INET6, a->b, dst,
		(socklen_t)len) == NULL &&
	    len > 0)
		dst[0] = '\0';
	return dst;
}

char *
prefix_format(const struct prefix *p, char *dst, size_t len)
{
	char host[ADDR_STRLEN];

	(void)snprintf(dst, len, "%s/%u",
	    addr_format(&p->addr, host, sizeof(host)), p->len);
	return dst;
}

int
prefix_contains(const struct prefix *p, const struct addr *a)
{
	struct addr masked;

	if (p->addr.af != a->af)
		return 0;
	masked = *a;
	addr_mask(&masked, p->len);
	return memcmp(masked.b, p->addr.b, sizeof(masked.b)) == 0;
}

int
addr_cmp(const struct addr *x, const struct addr *y)
{
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(x->b, y->b, sizeof(x->b));
}

static void
special_init(void)
{
	size_t i;

	/* The table is a literal checked by the unit tests: parsing cannot fail. */
	for (i = 0; i < NSPECIAL; i++)
		if (prefix_parse(
			special_table[i].cidr, &special_prefix[i], NULL) == -1)
			abort();
}

enum addr_class
addr_classify(const struct addr *a, const char **why)
{
	size_t i, best = NSPECIAL;

	(void)pthread_once(&special_once, special_init);
	for (i = 0; i < NSPECIAL; i++) {
		if (!prefix_contains(&special_prefix[i], a))
			continue;
		if (best == NSPECIAL ||
		    special_prefix[i].len > special_prefix[best].len)
			best = i;
	}
	if (why != NULL)
		*why = best == NSPECIAL ? NULL : special_table[best].why;
	return best == NSPECIAL ? ADDR_PUBLIC : special_table[best].cls;
}

const char *
addr_class_name(enum addr_class c)
{
	if ((size_t)c >= sizeof(class_names) / sizeof(class_names[0]))
		return "unknown";
	return class_names[c];
}

int
prefix_set_add(struct prefix_set *s, const struct prefix *p, struct errbuf *eb)
{
	struct prefix *v;
	size_t ncap;

	if (s->n == s->cap) {
		ncap = s->cap != 0 ? s->cap * 2 : 16;
		if ((v = reallocarray(s->v, ncap, sizeof(*v))) == NULL)
			return errbuf_set(eb, "out of memory");
		s->v = v;
		s->cap = ncap;
	}
	s->v[s->n++] = *p;
	return 0;
}

int
prefix_set_add_str(struct prefix_set *s, const char *cidr, struct errbuf *eb)
{
	struct prefix p;

	if (prefix_parse(cidr, &p, eb) == -1)
		return -1;
	return prefix_set_add(s, &p, eb);
}

/* Strip comments and surrounding white space from 'line' in place. */
static char *
line_trim(char *line)
{
	char *end;

	if ((end = strchr(line, '#')) != NULL)
		*end = '\0';
	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return line;
}

int
prefix_set_load(struct prefix_set *s, const char *path, struct errbuf *eb)
{
	FILE *fp = NULL;
	char *line = NULL, *p;
	size_t linecap = 0, n0 = s->n;
	long lineno = 0;
	int rc = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		errbuf_set(eb, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (getline(&line, &linecap, fp) != -1) {
		lineno++;
		p = line_trim(line);
		if (*p == '\0')
			continue;
		if (prefix_set_add_str(s, p, eb) == -1) {
			errbuf_prefix(eb, "%s:%ld", path, lineno);
			s->n = n0;
			goto out;
		}
	}
	if (ferror(fp)) {
		errbuf_set(eb, "%s: read error", path);
		s->n = n0;
		goto out;
	}
	rc = 0;
out:
	free(line);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

const struct prefix *
prefix_set_match(const struct prefix_set *s, const struct addr *a)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (prefix_contains(&s->v[i], a))
			return &s->v[i];
	return NULL;
}

void
prefix_set_free(struct prefix_set *s)
{
	if (s == NULL)
		return;
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

int
addr_check_target(const struct addr *a, const struct prefix_set *allow,
    const struct prefix_set *deny, struct errbuf *eb)
{
	char as[ADDR_STRLEN], ps[ADDR_STRLEN];
	const char *why;
	const struct prefix *p;
	enum addr_class c;

	addr_format(a, as, sizeof(as));
	c = addr_classify(a, &why);
	if (c == ADDR_UNSPECIFIED || c == ADDR_MULTICAST || c == ADDR_BROADCAST)
		return errbuf_set(eb,
		    "refusing %s: %s is never a valid "
		    "target",
		    as, why);
	if (prefix_set_match(allow, a) != NULL)
		return 0;
	if (c != ADDR_PUBLIC)
		return errbuf_set(eb,
		    "refusing %s: %s address in %s; "
		    "use --allow CIDR to permit it",
		    as, addr_class_name(c), why);
	if ((p = prefix_set_match(deny, a)) != NULL)
		return errbuf_set(eb,
		    "refusing %s: listed in %s (bogon or "
		    "opted-out range)",
		    as, prefix_format(p, ps, sizeof(ps)));
	return 0;
}
