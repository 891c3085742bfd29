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
	int unchanged;     /* every input a URL that answered 304 */
};

/*
 * bogons_load --
 *	Read the 'npaths' files or URLs 'paths' (each at most 'max_bytes';
 *	Team Cymru publishes IPv4 and IPv6 apart), parse them as the `list`
 *	format does (strict prefixes: host bits set or garbage fail with
 *	"FILE: line N: ..."; '#' comments, blank lines) and call
 *	pingsvc.load_bogons() with all their prefixes, named 'source', and
 *	record each input in pingsvc.import_sources (format "bogons", with
 *	a URL's validators), in one transaction.  URLs are fetched
 *	conditionally (source.h): when every input is a URL that answered
 *	304, nothing is loaded and c->unchanged is set; when only some did,
 *	those are fetched again in full, since the load replaces every bogon
 *	row with the union.  A bad line, no prefix at all, a failed download
 *	or a database error changes nothing.  Returns 0 with '*c', or -1
 *	with 'eb'.
 */
int bogons_load(PGconn *db, char *const *paths, int npaths, const char *source,
    long long max_bytes, struct bogons_counts *c, struct errbuf *eb);

#endif
