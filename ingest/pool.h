/*
 * pool.h --
 *	A small fixed pool of PostgreSQL connections shared by the request
 *	threads.  A request borrows one connection for its whole life.  A
 *	connection found broken is dropped and made again on a later borrow,
 *	no sooner than its backoff delay (doubling from db_retry_min_ms to
 *	db_retry_max_ms), so a database that is down costs each request one
 *	quick 503 with Retry-After, never a hang or a crash.
 */
#ifndef PINGSVC_INGEST_POOL_H
#define PINGSVC_INGEST_POOL_H

#include <libpq-fe.h>

#include "errbuf.h"

struct pool; /* opaque */

/* Called on every new connection (to prepare statements); 0 or -1. */
typedef int (*pool_setup_fn)(PGconn *c, struct errbuf *eb);

/*
 * pool_new --
 *	A pool of 'size' connections to 'conninfo' ("" for PG* variables),
 *	connected lazily.  Returns NULL when memory runs out.
 */
struct pool *pool_new(const char *conninfo, int size, int wait_ms,
    int retry_min_ms, int retry_max_ms, int statement_ms, pool_setup_fn setup);

/*
 * pool_get --
 *	Borrow a working connection.  Returns it, or NULL when none is free
 *	within wait_ms or the database cannot be reached; then '*retry_s' is
 *	the advice for Retry-After and 'eb' says why (for the log only).
 */
PGconn *pool_get(struct pool *p, int *retry_s, struct errbuf *eb);

/*
 * pool_put --
 *	Give 'c' back.  A connection whose status is bad, or that is still in
 *	a transaction, is closed and made anew later.
 */
void pool_put(struct pool *p, PGconn *c);

/* pool_free -- Close every connection.  No borrow may be outstanding. */
void pool_free(struct pool *p);

#endif
