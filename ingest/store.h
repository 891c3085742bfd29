/*
 * store.h --
 *	Storing decoded results, shared by the importer and the submit
 *	endpoint: idempotency keys first (ON CONFLICT DO NOTHING), result rows
 *	only for new keys, in one set-based statement per batch, then the
 *	normalised rows of the new traceroutes: with pipeline v4 (migration
 *	0018) traces, hops and derive_queue rows built in C (rows.h) and
 *	copied in, derivation left to store_derive() or derive_pending();
 *	on older databases pingsvc.process_results() in the same transaction.
 */
#ifndef PINGSVC_INGEST_STORE_H
#define PINGSVC_INGEST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "errbuf.h"
#include "result.h"

enum store_status { STORE_PENDING = 0, STORE_STORED, STORE_DUPLICATE };

/* What the database offers for normalised rows (store_pipeline). */
enum store_pipeline {
	STORE_RESULTS_ONLY = 0, /* no process_results: results rows only */
	STORE_PROCESS_SQL,      /* process_results() in the transaction */
	STORE_ROWS_COPY         /* v4: rows copied, traces queued */
};

struct store_item {
	struct result *r;         /* borrowed; r->idem_key must be set */
	enum store_status status; /* out */
	int64_t result_id;        /* out: the new row, -1 for duplicates */
	int64_t trace_id;         /* out: its trace (STORE_ROWS_COPY), -1 */
};

/* Sums of what was stored and derived. */
struct store_counts {
	long long stored, duplicates;
	long long traces, hops, links, new_targets, route_changes;
};

/*
 * store_results --
 *	Inside the caller's open transaction, store the 'n' items under
 *	idempotency namespace 'ns' ("atlas", "worker:7"), with 'worker_id'
 *	(-1: NULL), 'worker' its name (the traces' vantage; NULL: none) and
 *	'source' ("atlas", "scamper" or "pingsvc").  Each item's body is
 *	result_encode of its result.  Sets every item's status (and
 *	trace_id), adds to '*counts', and stores the new traceroutes'
 *	normalised rows as 'pipe' says.  Returns 0, or -1 with 'eb' (and
 *	'sqlstate', 6 bytes, may be NULL) saying why; the transaction must
 *	then be rolled back.
 */
int store_results(PGconn *c, struct store_item *items, size_t n, const char *ns,
    int64_t worker_id, const char *worker, const char *source,
    enum store_pipeline pipe, struct store_counts *counts, char *sqlstate,
    struct errbuf *eb);

/*
 * store_pipeline --
 *	What the database offers: STORE_ROWS_COPY when it has
 *	pingsvc.derive_traces(bigint[]) (0018), else STORE_PROCESS_SQL when it
 *	has process_results(bigint[]), else STORE_RESULTS_ONLY; -1 with 'eb'.
 */
int store_pipeline(PGconn *c, struct errbuf *eb);

/*
 * store_derive --
 *	Outside any transaction (its own), derive the traces the items got
 *	(pingsvc.derive_traces of their trace ids) and add to '*counts'.
 *	Returns 0 (also when there is nothing to derive), or -1 with 'eb':
 *	the traces then stay queued for derive_pending(), nothing is lost.
 */
int store_derive(PGconn *c, const struct store_item *items, size_t n,
    struct store_counts *counts, struct errbuf *eb);

#endif
