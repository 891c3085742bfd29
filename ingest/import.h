/*
 * import.h --
 *	`pingsvc-ingest import`: RIPE Atlas results, scamper JSON traces and
 *	pings, or our native results from files into the database, decoded
 *	with lib/result (lib/result_scamper) and stored with store_results,
 *	batch by batch.
 */
#ifndef PINGSVC_INGEST_IMPORT_H
#define PINGSVC_INGEST_IMPORT_H

#include <stdio.h>

#include <libpq-fe.h>

#include "errbuf.h"
#include "result.h"
#include "store.h"

/* Largest JSON-array file read whole; line files have no limit. */
#define IMPORT_MAX_ARRAY_FILE (256u << 20)
/* Longest line accepted (one result). */
#define IMPORT_MAX_LINE (8u << 20)
/* A batch ends at this many results ... */
#define IMPORT_BATCH 1000
/* ... or this many distinct days (partitions locked by one transaction). */
#define IMPORT_BATCH_DAYS 30

enum import_format { IMPORT_ATLAS = 1, IMPORT_NATIVE, IMPORT_SCAMPER };

struct import_opts {
	enum import_format format;
	enum result_mode mode; /* RESULT_ATLAS, or RESULT_WIRE (native) */
	int strict;            /* any refusal: store nothing */
	const char *worker;    /* native: the worker that measured */
	const char *vantage;   /* scamper: the vantage, NULL: from the file */
};

/* The vantage of scamper records whose file names a host but no --vantage. */
#define IMPORT_SCAMPER_PREFIX "scamper-"

struct import_stats {
	struct store_counts c;
	long long refused;
};

/*
 * import_atlas_key --
 *	The idempotency key of an Atlas result, "msm_id:prb_id:timestamp:
 *	dst_addr", into 'out' ('size' bytes).  Returns 0, or -1 with 'eb'
 *	when msm_id or prb_id is absent.
 */
int import_atlas_key(
    const struct result *r, char *out, size_t size, struct errbuf *eb);

/*
 * import_scamper_vantage --
 *	The vantage name of scamper records: 'given' (--vantage) when not
 *	NULL, else "scamper-" and the first label of the cycle's 'host'.
 *	Returns 0, or -1 with 'eb' when there is none or it is not a valid
 *	worker name.
 */
int import_scamper_vantage(const char *given, const char *host, char *out,
    size_t size, struct errbuf *eb);

/*
 * import_files --
 *	Import the 'n' files (a JSON array, or one JSON object per line; "-"
 *	is standard input for line files).  Each refused item is reported on
 *	'errs' as "FILE:LINE: reason" (FILE:#N for the Nth element of an
 *	array).  Valid items are stored even when others are refused, unless
 *	o->strict.  Returns 0 (stats filled), 1 when strict mode refused
 *	something (nothing stored), or -1 with 'eb' on a file or database
 *	failure (batches committed before it stay; a re-run stores the rest
 *	once).
 */
int import_files(PGconn *c, const struct import_opts *o, char *const *files,
    int n, FILE *errs, struct import_stats *st, struct errbuf *eb);

#endif
