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
 * A worker's scope as the command line gives it (migration 0003): each
 * field NULL (or 0) when not given.  Array literals: caps "{icmp,tcp}"
 * (enroll_caps_parse), kinds "{ping}" (scope_kinds_lit), prefixes
 * "{192.0.2.0/24}" (scope_prefix_add).
 */
struct enroll_scope {
	const char *caps;     /* enroll: default {icmp,udp,tcp} */
	const char *kinds;    /* enroll: default {ping,traceroute} */
	const char *prefixes; /* enroll: default any target */
	int any_prefix;       /* scope: back to any target */
	int rate;             /* > 0: results per minute; -1: no cap */
};

/*
 * enroll_worker --
 *	Create worker 'name' with scope 's' (its caps are also the enrolled
 *	protocols) and write its bearer token into 'token' (TOKEN_MAX + 1
 *	bytes).  The token exists nowhere else: only its hash is stored.
 *	Returns 0, or -1 with 'eb' (e.g. the name is taken).
 */
int enroll_worker(PGconn *c, const char *name, const struct enroll_scope *s,
    char *token, struct errbuf *eb);

/*
 * enroll_scope_set --
 *	Change the scope of worker 'name': only the fields given in 's'.
 *	New protocols also clamp caps (to what the worker last reported,
 *	within them).  Writes the resulting scope, one line, into 'out'.
 *	Returns 0, or -1 with 'eb' (unknown worker, invalid value).
 */
int enroll_scope_set(PGconn *c, const char *name, const struct enroll_scope *s,
    char *out, size_t size, struct errbuf *eb);

/*
 * enroll_revoke --
 *	Disable worker 'name' at once (enabled = false, revoked_at = now())
 *	and put the jobs it holds back in the queue.  Returns the number of
 *	jobs released (>= 0), or -1 with 'eb' (unknown or already revoked).
 */
int enroll_revoke(PGconn *c, const char *name, struct errbuf *eb);

#endif
