/*
 * store.h --
 *	Storing decoded results, shared by the importer and the submit
 *	endpoint: idempotency keys first (ON CONFLICT DO NOTHING), result rows
 *	only for new keys, in one set-based statement per batch, then the
 *	derivation of traces, hops, links and route changes by
 *	pingsvc.process_results() when the database has it.
 */
#ifndef PINGSVC_INGEST_STORE_H
#define PINGSVC_INGEST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "errbuf.h"
#include "result.h"

enum store_status { STORE_PENDING = 0, STORE_STORED, STORE_DUPLICATE };

struct store_item {
	struct result *r;         /* borrowed; r->idem_key must be set */
	enum store_status status; /* out */
	int64_t result_id;        /* out: the new row, -1 for duplicates */
};

/* Sums of what pingsvc.process_results() reported. */
struct store_counts {
	long long stored, duplicates;
	long long traces, hops, links, new_targets, route_changes;
};

/*
 * store_results --
 *	Inside the caller's open transaction, store the 'n' items under
 *	idempotency namespace 'ns' ("atlas", "worker:7"), with 'worker_id'
 *	(-1: NULL) and 'source' ("atlas" or "pingsvc").  Each item's body is
 *	result_encode of its result.  Sets every item's status, adds to
 *	'*counts', and when 'process' is set calls process_results() on the
 *	new result ids.  Returns 0, or -1 with 'eb' (and 'sqlstate', 6 bytes,
 *	may be NULL) saying why; the transaction must then be rolled back.
 */
int store_results(PGconn *c, struct store_item *items, size_t n, const char *ns,
    int64_t worker_id, const char *source, int process,
    struct store_counts *counts, char *sqlstate, struct errbuf *eb);

#endif
