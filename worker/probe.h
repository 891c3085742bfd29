/*
 * probe.h --
 *	What a measurement (a ping, a traceroute) and the event loop share:
 *	one probe packet in flight, the key that matches replies to it, the
 *	reply handed back, and the table of callbacks through which a
 *	measurement type plugs into the loop.  A new probe type is new files
 *	implementing struct probe_ops, not new cases in the loop.
 */
#ifndef PINGSVC_WORKER_PROBE_H
#define PINGSVC_WORKER_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "icmp_parse.h"
#include "pkt.h"

/*
 * What identifies a probe, built the same way from the probe we send and
 * from the reply (or the probe a reply quotes).  Zeroed before filling so
 * that keys compare with memcmp.
 *	ICMP, ICMPv6: a = echo identifier, c = echo sequence
 *	UDP:  a = source port, b = destination port, c = UDP checksum
 *	TCP:  a = source port, b = destination port, c = sequence number
 */
struct probe_key {
	uint8_t proto; /* IPPROTO_ICMP, _ICMPV6, _UDP or _TCP */
	uint8_t af;
	uint16_t a, b;
	uint32_t c;
	uint8_t dst[16]; /* the probed address */
};

enum probe_state {
	PROBE_NEW = 0,   /* not handed to the loop yet */
	PROBE_SCHEDULED, /* waiting for its send time */
	PROBE_QUEUED,    /* waiting for a token of the rate cap */
	PROBE_INFLIGHT,  /* sent, waiting for a reply or its timeout */
	PROBE_ANSWERED,
	PROBE_TIMEDOUT,
	PROBE_FAILED,   /* the send failed ('err') */
	PROBE_CANCELLED /* not needed any more */
};

struct probe;
struct probe_reply;

/*
 * The callbacks of one measurement type.  'arg' is the measurement's own
 * state (struct ping_do, struct trace_do).
 *	start:   the per-target interval allows it to begin; schedule or
 *		 queue probes (loop_probe_*).  Returns 0, or -1 to abandon.
 *	hold:    optional; called when queued probe 'p' is next to be
 *		 sent, at CLOCK_MONOTONIC 'now_us'.  Non-zero: µs to keep
 *		 it back (PROBE_SCHEDULED, no token spent), after which it
 *		 is queued again at the tail and asked again.
 *	send:    fill 'pkt' (up to 'cap' bytes) with probe 'p' and set
 *		 p->key; return the length, or 0 to skip the probe.
 *	reply:   a reply matched in-flight probe 'p' (now PROBE_ANSWERED).
 *	timeout: 'p' got no reply in time (PROBE_TIMEDOUT) or could not be
 *		 sent (PROBE_FAILED, p->err).
 *	free:    release 'arg'; called by loop_free.
 */
struct probe_ops {
	const char *name;
	int (*start)(void *arg);
	uint64_t (*hold)(void *arg, const struct probe *p, uint64_t now_us);
	size_t (*send)(void *arg, struct probe *p, uint8_t *pkt, size_t cap);
	void (*reply)(void *arg, struct probe *p, const struct probe_reply *r);
	void (*timeout)(void *arg, struct probe *p);
	void (*free)(void *arg);
};

/* One probe packet.  The measurement owns the memory; the loop links it. */
struct probe {
	const struct probe_ops *ops;
	void *arg;            /* the owning measurement */
	struct probe_key key; /* set by ops->send */
	int index;            /* the owner's number for this probe */
	int ttl;              /* IP TTL sent */
	enum probe_state state;
	uint32_t timeout_us;     /* wait for a reply, µs */
	uint64_t tx_us;          /* CLOCK_MONOTONIC at send, µs */
	struct timespec tx_real; /* CLOCK_REALTIME at send (kernel stamps) */
	int ndup;                /* further replies after the first */
	int nlate;               /* replies after the timeout */
	int err;                 /* errno of a failed send */

	/* The loop's links; not for measurements. */
	uint64_t at_us;      /* timer: send time or deadline, µs */
	size_t heap_idx;     /* position in the timer heap, or SIZE_MAX */
	struct probe *hnext; /* hash chain */
	struct probe *qprev, *qnext; /* send queue */
	int hashed;
	int tx_kernel; /* tx_real is the kernel's send stamp */
};

enum probe_reply_kind { PROBE_REPLY_ICMP = 1, PROBE_REPLY_TCP };

/* A reply as the loop hands it to ops->reply. */
struct probe_reply {
	enum probe_reply_kind kind;
	struct addr from; /* who answered */
	int ttl;          /* IP TTL of the reply */
	int size;         /* bytes of the IP payload */
	uint32_t rtt_us;  /* from kernel receive time stamps, µs */
	const struct icmp_reply *icmp;   /* PROBE_REPLY_ICMP */
	const struct pkt_tcp_reply *tcp; /* PROBE_REPLY_TCP */
};

/* probe_key_icmp / _udp / _tcp -- Fill a key (zeroing it first). */
void probe_key_icmp(
    struct probe_key *k, const struct addr *dst, uint16_t id, uint16_t seq);
void probe_key_ports(struct probe_key *k, uint8_t proto, const struct addr *dst,
    uint16_t sport, uint16_t dport, uint32_t c);

/*
 * probe_key_sent --
 *	The key of a probe from a copy of the packet as it left: the kernel
 *	returns it with its send time stamp (SO_TIMESTAMPING), starting at
 *	the link-layer header (Ethernet 14 bytes, none on tun/ppp devices,
 *	...), so each usual header length is tried and the IP header must
 *	account for exactly the rest.  Returns 0, or -1 when no probe of ours
 *	is found.
 */
int probe_key_sent(struct probe_key *k, const uint8_t *b, size_t len);

#endif
