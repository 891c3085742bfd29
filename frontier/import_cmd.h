/*
 * import_cmd.h --
 *	`pingsvc-frontier import FORMAT FILE`: parse a bootstrap list, turn its
 *	prefixes into representative addresses (represent.h), drop those the
 *	safety rule refuses, and add the rest to pingsvc.targets in one
 *	transaction.
 */
#ifndef PINGSVC_FRONTIER_IMPORT_CMD_H
#define PINGSVC_FRONTIER_IMPORT_CMD_H

#include <libpq-fe.h>

#include "addr.h"
#include "buf.h"
#include "errbuf.h"
#include "import.h"

struct import_opts {
	const struct import_format *format;
	const char *path;               /* file to read */
	const char *provider;           /* targets.source_detail */
	unsigned per_prefix;            /* represent.h's cap */
	long long max_bytes;            /* largest file accepted */
	const struct prefix_set *allow; /* may be NULL */
	const struct prefix_set *deny;  /* may be NULL */
	int progress;                   /* report progress on stderr */
};

struct import_counts {
	size_t prefixes;  /* prefixes in the file */
	size_t addresses; /* representative addresses */
	size_t new_;      /* added to targets */
	size_t known;     /* already targets (last_seen updated) */
	size_t refused;   /* refused by the safety rule */
	int unchanged;    /* a URL answered 304: nothing to import */
	int geo;          /* a geofeed: located/unlocated are set */
	size_t located;   /* geofeed prefixes stored in geolocations */
	size_t unlocated; /* geofeed prefixes whose country has no point */
};

/*
 * import_cmd_run --
 *	Import one file, or URL (http, https: fetch.h; the validators of its
 *	last import make the request conditional and an unchanged list sets
 *	counts->unchanged and imports nothing), into the database 'db'.  All
 *	or nothing: a file that does not parse, or any database error, adds
 *	nothing.  Returns 0 with
 *	'*counts' filled, or -1 with 'eb' (for a parse error: "FILE: line N:
 *	..." or "FILE: prefixes[12].ip_prefix: ...").
 */
int import_cmd_run(PGconn *db, const struct import_opts *o,
    struct import_counts *counts, struct errbuf *eb);

/*
 * import_cmd_read --
 *	Read the whole file at 'path' (at most 'max' bytes) into '*out'
 *	(malloc'd, caller frees) and '*len'.  Returns 0 or -1 with 'eb'.
 */
int import_cmd_read(const char *path, long long max, char **out, size_t *len,
    struct errbuf *eb);

/*
 * import_cmd_copy_text --
 *	Append 's' to 'b' escaped for COPY's text format.  Returns 0, or -1
 *	when out of memory.
 */
int import_cmd_copy_text(struct buf *b, const char *s);

#endif
