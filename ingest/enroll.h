/*
 * enroll.h --
 *	Enrolment and revocation of workers: `pingsvc-ingest enroll NAME`
 *	and `pingsvc-ingest revoke NAME`.
 */
#ifndef PINGSVC_INGEST_ENROLL_H
#define PINGSVC_INGEST_ENROLL_H

#include <stddef.h>

#include <libpq-fe.h>

#include "errbuf.h"
#include "token.h"

/*
 * enroll_caps_parse --
 *	Turn "icmp,tcp" into the array literal "{icmp,tcp}" in 'out' ('size'
 *	bytes).  Only icmp, udp and tcp, each at most once.  Returns 0, or -1
 *	with 'eb'.
 */
int enroll_caps_parse(
    const char *list, char *out, size_t size, struct errbuf *eb);

/*
 * enroll_worker --
 *	Create worker 'name' with capabilities 'caps' (an array literal from
 *	enroll_caps_parse) and write its bearer token into 'token'
 *	(TOKEN_MAX + 1 bytes).  The token exists nowhere else: only its hash
 *	is stored.  Returns 0, or -1 with 'eb' (e.g. the name is taken).
 */
int enroll_worker(PGconn *c, const char *name, const char *caps, char *token,
    struct errbuf *eb);

/*
 * enroll_revoke --
 *	Disable worker 'name' at once (enabled = false, revoked_at = now())
 *	and put the jobs it holds back in the queue.  Returns the number of
 *	jobs released (>= 0), or -1 with 'eb' (unknown or already revoked).
 */
int enroll_revoke(PGconn *c, const char *name, struct errbuf *eb);

#endif
