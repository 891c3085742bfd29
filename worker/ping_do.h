/*
 * ping_do.h --
 *	The ping state machine: 'count' probes (ICMP echo, or TCP SYN from a
 *	raw socket) spaced 'interval_ms' apart, each waiting 'timeout_ms'
 *	for its echo reply, SYN-ACK or RST.  It plugs into the event loop
 *	through ping_do_ops; its outcome is turned into a result by
 *	ping_json.c.
 */
#ifndef PINGSVC_WORKER_PING_DO_H
#define PINGSVC_WORKER_PING_DO_H

#include <stdint.h>

#include "loop.h"
#include "ping_cmd.h"

/* What one probe of a ping came to. */
struct ping_probe_outcome {
	int answered;    /* an echo reply, SYN-ACK or RST */
	uint32_t rtt_us; /* µs, when answered */
	int ttl;         /* IP TTL of the reply, when answered */
	int ndup;        /* further copies of the reply */
	int send_failed; /* the kernel refused the probe: never sent */
	char *error;     /* ICMP error or send failure (owned), or NULL */
};

struct ping_outcome {
	struct addr src;   /* our source address */
	int64_t timestamp; /* s since the epoch, first probe */
	int64_t endtime;   /* s since the epoch, last answer or timeout */
	int size;          /* bytes of the probe's IP payload */
	int n;             /* probes */
	struct ping_probe_outcome *v;
};

struct ping_do; /* opaque */

/*
 * ping_do_new --
 *	A ping of 'c' (copied) from source address 'src' over loop 'l'.
 *	Returns NULL with 'eb' on failure.  Hand it to the loop with
 *	loop_add(l, &ping_do_ops, pd, &c->dst, eb), which owns it from then
 *	on.
 */
struct ping_do *ping_do_new(const struct ping_cmd *c, struct loop *l,
    const struct addr *src, struct errbuf *eb);

extern const struct probe_ops ping_do_ops;

/* ping_do_cmd -- The command being run (its own copy, without allow). */
const struct ping_cmd *ping_do_cmd(const struct ping_do *pd);

/* ping_do_outcome -- The outcome so far; valid while 'pd' lives. */
const struct ping_outcome *ping_do_outcome(const struct ping_do *pd);

#endif
