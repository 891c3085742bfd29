/*
 * addr.h --
 *	IPv4/IPv6 addresses and prefixes: strict parsing, formatting,
 *	classification against the IANA special-purpose registries (RFC 6890
 *	and its updates), prefix sets, and the safety rule that decides
 *	whether an address may be probed.
 */
#ifndef PINGSVC_ADDR_H
#define PINGSVC_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* Large enough for any formatted address or prefix, with the NUL. */
#define ADDR_STRLEN 64

struct addr {
	uint8_t af;    /* 4 or 6 */
	uint8_t b[16]; /* network order; IPv4 uses b[0..3] */
};

struct prefix {
	struct addr addr; /* host bits are zero */
	uint8_t len;      /* prefix length in bits */
};

/*
 * What kind of address space an address lies in.  Everything but
 * ADDR_PUBLIC is refused as a target unless an allow list covers it.
 */
enum addr_class {
	ADDR_PUBLIC = 0,
	ADDR_UNSPECIFIED,   /* 0.0.0.0/32, ::/128 */
	ADDR_LOOPBACK,      /* 127/8, ::1 */
	ADDR_PRIVATE,       /* RFC 1918, fc00::/7 */
	ADDR_SHARED,        /* 100.64/10 (RFC 6598, carrier-grade NAT) */
	ADDR_LINKLOCAL,     /* 169.254/16, fe80::/10 */
	ADDR_MULTICAST,     /* 224/4, ff00::/8 */
	ADDR_BROADCAST,     /* 255.255.255.255 */
	ADDR_DOCUMENTATION, /* RFC 5737, RFC 3849, RFC 9637 */
	ADDR_BENCHMARK,     /* 198.18/15, 2001:2::/48 (RFC 2544, 5180) */
	ADDR_RESERVED       /* everything else not globally reachable */
};

/*
 * addr_parse --
 *	Parse a dotted-quad IPv4 or an RFC 4291 IPv6 address, nothing else (no
 *	zone, no prefix, no surrounding space).  Returns 0, or -1 with 'eb'.
 */
int addr_parse(const char *s, struct addr *out, struct errbuf *eb);

/*
 * prefix_parse --
 *	Parse "ADDRESS/LEN", or a bare address as a host prefix.  Host bits
 *	beyond LEN must be zero ("10.0.0.1/8" is an error, as in PostgreSQL's
 *	cidr type).  Returns 0, or -1 with 'eb'.
 */
int prefix_parse(const char *s, struct prefix *out, struct errbuf *eb);

/* addr_format -- Write 'a' into 'dst' (ADDR_STRLEN bytes).  Returns dst. */
char *addr_format(const struct addr *a, char *dst, size_t len);

/* prefix_format -- Write 'p' as ADDRESS/LEN into 'dst'.  Returns dst. */
char *prefix_format(const struct prefix *p, char *dst, size_t len);

/* prefix_contains -- 1 when 'a' lies in 'p' (same family), else 0. */
int prefix_contains(const struct prefix *p, const struct addr *a);

/* addr_cmp -- Order addresses: IPv4 before IPv6, then bytewise. */
int addr_cmp(const struct addr *x, const struct addr *y);

/*
 * addr_classify --
 *	Classify 'a'.  When 'why' is not NULL it receives a static description
 *	of the special-purpose range that matched ("198.18.0.0/15
 *	benchmarking (RFC 2544)"), or NULL for public addresses.
 */
enum addr_class addr_classify(const struct addr *a, const char **why);

/* addr_class_name -- "public", "private", ... for messages and SQL. */
const char *addr_class_name(enum addr_class c);

/* A growable set of prefixes: allow lists, opt-outs, bogon lists. */
struct prefix_set {
	struct prefix *v;
	size_t n, cap;
};

#define PREFIX_SET_INIT                                                        \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* prefix_set_add -- Add a prefix.  Returns 0, or -1 with 'eb'. */
int prefix_set_add(
    struct prefix_set *s, const struct prefix *p, struct errbuf *eb);

/* prefix_set_add_str -- Parse and add "CIDR".  Returns 0 or -1 with 'eb'. */
int prefix_set_add_str(
    struct prefix_set *s, const char *cidr, struct errbuf *eb);

/*
 * prefix_set_load --
 *	Add every prefix of a text file: one CIDR a line, '#' starts a comment,
 *	blank lines and surrounding white space ignored.  All or nothing: on a
 *	bad line the set is left as it was and 'eb' names the file and line.
 */
int prefix_set_load(struct prefix_set *s, const char *path, struct errbuf *eb);

/* prefix_set_match -- The first prefix of 's' holding 'a', or NULL. */
const struct prefix *prefix_set_match(
    const struct prefix_set *s, const struct addr *a);

/* prefix_set_free -- Release the set; it may be reused.  NULL-safe. */
void prefix_set_free(struct prefix_set *s);

/*
 * addr_check_target --
 *	The probing safety rule.  Returns 0 when 'a' may be probed, or -1 with
 *	'eb' saying why not and what to do.  In order:
 *	unspecified, multicast and broadcast addresses are always refused
 *	(probing them reaches many hosts or none); an address covered by
 *	'allow' is permitted; any other special-purpose address is refused; an
 *	address covered by 'deny' (bogons, opt-outs) is refused; the rest is
 *	permitted.  'allow' and 'deny' may be NULL.
 */
int addr_check_target(const struct addr *a, const struct prefix_set *allow,
    const struct prefix_set *deny, struct errbuf *eb);

#endif
