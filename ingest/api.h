/*
 * api.h --
 *	The endpoints of the gateway, independent of HTTP plumbing: each takes
 *	the authenticated worker, a borrowed database connection and the
 *	request body, and fills a reply (status and JSON body).
 */
#ifndef PINGSVC_INGEST_API_H
#define PINGSVC_INGEST_API_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"
#include "errbuf.h"
#include "scope.h"

struct api_limits {
	int max_results;    /* results per submit */
	int claim_max;      /* jobs per claim */
	int lease_s;        /* lease length, s */
	int silent_after_s; /* /metrics: silent after this long, s */
	int derive_inline;  /* derive a submit's traces right after it */
};

struct api_worker {
	int64_t id;
	char name[64];
	char caps[32];      /* array literal, "{icmp,udp}": usable now */
	char protos[32];    /* scope: enrolled protocols, array literal */
	char kinds[32];     /* scope: job kinds, array literal */
	struct scope scope; /* owns the prefixes: api_worker_free */
};

struct api_reply {
	int status;      /* HTTP status */
	int retry_after; /* s; 0: no Retry-After header */
	struct buf body; /* JSON */
};

/* api_prepare -- Prepare the gateway's statements on a new connection. */
int api_prepare(PGconn *c, struct errbuf *eb);

/*
 * api_auth --
 *	Check the bearer token 'token' (the header value after "Bearer ").
 *	Returns 1 with '*w' filled, 0 for an unknown, malformed or revoked
 *	token (answer 401), -1 on a database failure ('eb').
 */
int api_auth(
    PGconn *c, const char *token, struct api_worker *w, struct errbuf *eb);

/* api_worker_free -- Release what api_auth allocated in 'w'. */
void api_worker_free(struct api_worker *w);

/* api_error -- Set 'r' to status and {"error": code, "detail": detail}. */
void api_error(
    struct api_reply *r, int status, const char *code, const char *detail);

/* api_db_error -- 503 when the connection broke or a retry may work, else 500. */
void api_db_error(struct api_reply *r, PGconn *c, const char *sqlstate,
    const struct errbuf *eb);

void api_claim(PGconn *c, const struct api_limits *lim,
    const struct api_worker *w, const char *body, size_t len,
    struct api_reply *r);
void api_submit(PGconn *c, const struct api_limits *lim,
    const struct api_worker *w, const char *body, size_t len,
    struct api_reply *r);
void api_heartbeat(PGconn *c, const struct api_worker *w, const char *body,
    size_t len, struct api_reply *r);
void api_healthz(PGconn *c, struct api_reply *r);

/*
 * api_metrics --
 *	The counters of metrics.h, and the gauge
 *	pingsvc_ingest_silent_workers (workers alive but without results for
 *	'silent_after_s'), read through 'c' when it is not NULL.
 */
void api_metrics(PGconn *c, int silent_after_s, struct api_reply *r);

#endif
