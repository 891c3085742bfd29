/*
 * represent.h --
 *	The rule that turns bootstrap prefixes into a few target addresses.
 *
 *	A provider publishes ranges from a /32 up to a /11; probing every
 *	address would be pointless and rude.  We probe one representative
 *	address per block, where a block is an IPv4 /20 (REPRESENT_V4_BLOCK)
 *	or an IPv6 /48 (REPRESENT_V6_BLOCK):
 *
 *	- The representative of a prefix inside one block is its first usable
 *	  address: the network address + 1 (the .1 of a /24, often the router
 *	  or the first host, which tends to answer), or the address itself for
 *	  an IPv4 /31-/32 or an IPv6 /127-/128.
 *	- An IPv4 prefix wider than a block covers 2^(20-len) blocks; it gets
 *	  at most 'per_prefix' of them, spread evenly (block i*k/m for i < m),
 *	  each represented by its first usable address (the .1 of the block's
 *	  first /24).
 *	- An IPv6 prefix wider than a /48 gets one address, the ::1 of the
 *	  prefix (IPv6 prefixes are sparsely used; more guesses rarely answer).
 *	- When several prefixes of one file fall in the same block, the block
 *	  keeps its lowest candidate address.
 *
 *	The result depends only on the set of prefixes in the file, not on
 *	their order or on time, so re-importing an unchanged file yields the
 *	same addresses (all "known").
 */
#ifndef PINGSVC_FRONTIER_REPRESENT_H
#define PINGSVC_FRONTIER_REPRESENT_H

#include <stddef.h>

#include "addr.h"
#include "errbuf.h"

#define REPRESENT_V4_BLOCK           20
#define REPRESENT_V6_BLOCK           48
#define REPRESENT_PER_PREFIX_DEFAULT 4

struct represent_item {
	struct addr addr;  /* the candidate target */
	struct addr block; /* its block (host bits beyond the block zeroed) */
	char *label;       /* location label or NULL; owned */
};

struct represent {
	struct represent_item *v;
	size_t n, cap;
	unsigned per_prefix; /* blocks per wide IPv4 prefix, >= 1 */
	size_t prefixes;     /* prefixes added */
};

/* represent_init -- Start an empty set with the given per-prefix cap. */
void represent_init(struct represent *r, unsigned per_prefix);

/*
 * represent_add --
 *	Add the candidates of prefix 'p' with location 'label' (may be NULL;
 *	copied).  Returns 0, or -1 with 'eb' (memory).
 */
int represent_add(struct represent *r, const struct prefix *p,
    const char *label, struct errbuf *eb);

/*
 * represent_finish --
 *	Sort the candidates and keep one per block (the lowest), leaving
 *	r->v[0 .. r->n) in address order.
 */
void represent_finish(struct represent *r);

/* represent_free -- Release everything; 'r' may be reused.  NULL-safe. */
void represent_free(struct represent *r);

#endif
