/*
 * trace_do.h --
 *	The Paris traceroute state machine.  Every probe of a trace (each
 *	TTL from first_hop to max_hops, 'packets' times) is queued at once,
 *	in rounds of TTLs in a random order, so a whole trace takes about
 *	one timeout rather than one per hop, within the loop's rate cap;
 *	probes above a destination distance learnt for the prefix wait for
 *	those below (trace_do_hold, see trace_do.c); once a TTL
 *	answers, the probes below it wait at most ten of its round trips
 *	(at least 20 ms) for their own answers.  The trace ends when
 *	every TTL up to the one where the destination answered (or an ICMP
 *	unreachable came) is resolved, or after 'gap_limit' silent hops in a
 *	row; probes still outstanding beyond that point are cancelled.
 *	A hop answering from an address of the command's stop set ends the
 *	trace there too (Doubletree's global stop set: the path beyond is
 *	already known from other vantages), reported as stop_reason "GSS".
 *
 *	How paris_id maps to headers (the flow stays constant for the whole
 *	trace, so per-flow load balancers send every probe one way):
 *	  ICMP: the echo checksum field holds paris_id; the sequence number
 *	        identifies the probe and a payload word keeps the checksum
 *	        valid.  The identifier is the process's.
 *	  UDP:  source port 49152 + paris_id % 16384, destination port
 *	        --port; the UDP checksum identifies the probe (payload word
 *	        again), as Paris traceroute does.
 *	  TCP:  SYN with the same source port rule; the sequence number
 *	        identifies the probe.
 *	The IP ID carries the probe number too (diagnostics only).  Over
 *	IPv6 the flow label, which load balancers may hash (RFC 6438),
 *	holds paris_id for all three.
 */
#ifndef PINGSVC_WORKER_TRACE_DO_H
#define PINGSVC_WORKER_TRACE_DO_H

#include <stdint.h>

#include "loop.h"
#include "trace_cmd.h"

/* TRACE_SPORT -- The UDP/TCP source port of flow 'paris_id'. */
#define TRACE_SPORT(paris_id) ((uint16_t)(49152 + (paris_id) % 16384))

struct trace_probe_outcome {
	int answered;
	struct addr from;
	uint32_t rtt_us; /* µs */
	int ttl;         /* IP TTL of the reply */
	int size;        /* bytes of the reply's IP payload */
	int ittl;        /* TTL of our probe as quoted, -1 */
	int icmp_type;   /* -1 for a TCP answer */
	int icmp_code;
	int reached; /* the answer came from the destination */
	int mtu;     /* "fragmentation needed" MTU, -1 */
	struct result_mpls mpls[RESULT_MAX_MPLS];
	size_t nmpls;
};

struct trace_outcome {
	struct addr src;
	int64_t timestamp, endtime; /* s since the epoch */
	int size;                   /* bytes of each probe (IP packet) */
	int first_hop;
	int nttl;     /* TTLs probed: first_hop .. first_hop + nttl - 1 */
	int packets;  /* probes per TTL */
	int last_ttl; /* last TTL to report */
	int gss;      /* stopped at a stop-set hop (last_ttl) */
	/* [(ttl - first_hop) * packets + k] */
	struct trace_probe_outcome *v;
};

struct trace_do; /* opaque */

/*
 * trace_do_new --
 *	A trace of 'c' (copied) from 'src' over 'l'; hand it to loop_add with
 *	&trace_do_ops.  Returns NULL with 'eb'.
 */
struct trace_do *trace_do_new(const struct trace_cmd *c, struct loop *l,
    const struct addr *src, struct errbuf *eb);

extern const struct probe_ops trace_do_ops;

/* trace_do_cmd -- The command being run (its own copy, without allow). */
const struct trace_cmd *trace_do_cmd(const struct trace_do *td);

/* trace_do_outcome -- The outcome; valid while the trace lives. */
const struct trace_outcome *trace_do_outcome(const struct trace_do *td);

#endif
