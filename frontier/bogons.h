/*
 * bogons.h --
 *	`pingsvc-frontier bogons load FILE...`: replace the bogon rows of
 *	pingsvc.special_ranges with a bogon list (Team Cymru fullbogons: one
 *	CIDR a line, '#' comments), keeping the special-purpose rows.
 */
#ifndef PINGSVC_FRONTIER_BOGONS_H
#define PINGSVC_FRONTIER_BOGONS_H

#include <libpq-fe.h>

#include "errbuf.h"

struct bogons_counts {
	size_t prefixes;   /* prefixes in the file */
	long long removed; /* bogon rows before */
	long long added;   /* bogon rows now */
	long long special; /* listed prefixes already special-purpose rows */
};

/*
 * bogons_load --
 *	Read the 'npaths' files 'paths' (each at most 'max_bytes'; Team Cymru
 *	publishes IPv4 and IPv6 apart), parse them as the `list` format does
 *	(strict prefixes: host bits set or garbage fail with "FILE: line N:
 *	..."; '#' comments, blank lines) and call pingsvc.load_bogons() with
 *	all their prefixes, named 'source', as one statement, so the
 *	replacement is one transaction.  A bad line, no prefix at all or a
 *	database error changes nothing.  Returns 0 with '*c', or -1 with 'eb'.
 */
int bogons_load(PGconn *db, char *const *paths, int npaths, const char *source,
    long long max_bytes, struct bogons_counts *c, struct errbuf *eb);

#endif
