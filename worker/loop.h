/*
 * loop.h --
 *	The event loop: many measurements with many probes in flight at
 *	once over one set of raw sockets.  Timers run on CLOCK_MONOTONIC; a
 *	global token bucket caps the probes sent per second; a per-target
 *	minimum interval keeps measurements of one address apart; replies
 *	are matched to probes through a hash of struct probe_key, and late,
 *	duplicate, truncated and foreign packets are counted and dropped.
 */
#ifndef PINGSVC_WORKER_LOOP_H
#define PINGSVC_WORKER_LOOP_H

#include <signal.h>
#include <stdint.h>

#include "errbuf.h"
#include "probe.h"
#include "sock.h"

struct loop; /* opaque */

struct loop_conf {
	double rate_pps;             /* global cap, probes per second */
	uint32_t target_interval_ms; /* min. gap between measurements of
					one target, ms */
};

/* Packets that matched no probe in flight, by reason. */
struct loop_stats {
	uint64_t sent, send_errors; /* taken by the kernel; refused */
	int send_errno;             /* errno of the last refused probe */
	uint64_t replies;           /* matched an in-flight probe */
	uint64_t late;              /* matched a probe that had timed out */
	uint64_t dups;              /* matched a probe already answered */
	uint64_t truncated;         /* shorter than their headers say */
	uint64_t malformed;         /* not parseable */
	uint64_t foreign;           /* someone else's, or unsolicited */
	uint64_t tx_stamps;         /* probes given the kernel's send time */
};

/*
 * loop_new --
 *	A loop over 'socks' (borrowed: the caller closes them after
 *	loop_free).  'icmp_id' is this process's ICMP echo identifier.
 *	Returns NULL with 'eb' on failure.
 */
struct loop *loop_new(const struct sock_set *socks, const struct loop_conf *c,
    uint16_t icmp_id, struct errbuf *eb);

/*
 * loop_free --
 *	Call ops->free for every measurement added, then release the loop.
 *	NULL-safe.
 */
void loop_free(struct loop *l);

/*
 * loop_add --
 *	Add a measurement of 'dst'; ops->start(arg) is called from loop_run
 *	when the target's interval allows.  The loop takes ownership of 'arg'
 *	(released with ops->free by loop_free).  Returns 0 or -1 (memory).
 *	Measurements start in the order they were added: add them in a
 *	random order (util_permutation), as Yarrp probes its targets, and
 *	create them in that order too, so that a sweep's queue follows its
 *	memory (a cache miss less per probe).
 */
int loop_add(struct loop *l, const struct probe_ops *ops, void *arg,
    const struct addr *dst, struct errbuf *eb);

/*
 * loop_run --
 *	Run until no measurement has a probe waiting or in flight, or until
 *	'*stop' becomes non-zero (a signal).  Returns 0, or -1 with 'eb' on
 *	a socket failure.
 */
int loop_run(struct loop *l, volatile sig_atomic_t *stop, struct errbuf *eb);

/*
 * loop_probe_at --
 *	Send 'p' (owned by the caller, initialised with ops/arg/ttl/
 *	timeout_us) no earlier than 'delay_us' from now, subject to the rate
 *	cap.  Probes due at the same time go out in the order given, except
 *	that the probes queued by measurements the loop starts in the same
 *	turn are interleaved at random (each one's own order kept), and
 *	that ops->hold may put a probe back for a while.
 */
void loop_probe_at(struct loop *l, struct probe *p, uint64_t delay_us);

/*
 * loop_probe_cancel --
 *	Forget a probe that is no longer needed: it will not be sent, and a
 *	reply to it counts as late.  Safe in any state.
 */
void loop_probe_cancel(struct loop *l, struct probe *p);

/*
 * loop_probe_expire_by --
 *	Time out in-flight probe 'p' at CLOCK_MONOTONIC 'at_us' (µs, see
 *	loop_now_us) if that is earlier than its deadline; otherwise, or in
 *	any other state, nothing changes.
 */
void loop_probe_expire_by(struct loop *l, struct probe *p, uint64_t at_us);

/* loop_next_id -- A process-wide counter to tell probes apart. */
uint32_t loop_next_id(struct loop *l);

/* loop_icmp_id -- This process's ICMP echo identifier. */
uint16_t loop_icmp_id(const struct loop *l);

/* loop_stats -- Counters since loop_new. */
const struct loop_stats *loop_stats(const struct loop *l);

/* loop_now_us -- CLOCK_MONOTONIC in µs. */
uint64_t loop_now_us(void);

#endif
