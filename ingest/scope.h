/*
 * scope.h --
 *	What a worker may do (migration 0003's workers.scope_* columns): the
 *	job kinds, the probe protocols, the target prefixes and a rate cap of
 *	new results per minute.  Parsing of the enroll/scope options and of
 *	the database's array literals, and the check of one result against a
 *	scope (submit answers 403 naming the first result outside it).
 */
#ifndef PINGSVC_INGEST_SCOPE_H
#define PINGSVC_INGEST_SCOPE_H

#include <stddef.h>

#include "addr.h"
#include "errbuf.h"
#include "result.h"

#define SCOPE_MAX_PREFIXES 1000

#define SCOPE_PING       1u
#define SCOPE_TRACEROUTE 2u

#define SCOPE_ICMP 1u
#define SCOPE_UDP  2u
#define SCOPE_TCP  4u

struct scope {
	unsigned kinds;          /* SCOPE_PING | SCOPE_TRACEROUTE */
	unsigned protos;         /* SCOPE_ICMP | SCOPE_UDP | SCOPE_TCP */
	struct prefix *prefixes; /* NULL with nprefixes 0: any target */
	size_t nprefixes;
	char *prefixes_lit; /* "{192.0.2.0/24,...}", or NULL */
	int rate_per_min;   /* 0: no cap */
};

/* scope_free -- Release the prefixes and zero 's'.  NULL-safe. */
void scope_free(struct scope *s);

/*
 * scope_kinds_parse --
 *	"ping,traceroute" (a comma list, each at most once) into '*kinds'.
 *	Returns 0, or -1 with 'eb'.
 */
int scope_kinds_parse(const char *list, unsigned *kinds, struct errbuf *eb);

/*
 * scope_set_parse --
 *	A PostgreSQL array literal of words ("{ping,traceroute}",
 *	"{icmp,tcp}") into a bit set; unknown words are ignored.
 */
unsigned scope_kinds_from_lit(const char *lit);
unsigned scope_protos_from_lit(const char *lit);

/* scope_kinds_lit, scope_protos_lit -- The array literal of a bit set. */
void scope_kinds_lit(unsigned kinds, char *out, size_t size);
void scope_protos_lit(unsigned protos, char *out, size_t size);

/*
 * scope_prefix_add --
 *	Append one prefix ("192.0.2.0/24", "2001:db8::/32"; host bits must be
 *	zero) to 's', also to its array literal.  Returns 0, or -1 with 'eb'.
 */
int scope_prefix_add(struct scope *s, const char *text, struct errbuf *eb);

/*
 * scope_prefixes_from_lit --
 *	The database's cidr[] literal ("{10.0.0.0/8,2001:db8::/32}"; "" or
 *	NULL: any target) into 's'.  Returns 0, or -1 with 'eb'.
 */
int scope_prefixes_from_lit(
    struct scope *s, const char *lit, struct errbuf *eb);

/*
 * scope_check --
 *	Is result 'r' inside 's'?  Returns 0, or -1 with 'eb' saying which
 *	field is outside ("\"type\": traceroute is outside the worker's scope
 *	(ping)").
 */
int scope_check(
    const struct scope *s, const struct result *r, struct errbuf *eb);

#endif
