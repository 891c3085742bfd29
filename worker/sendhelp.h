/*
 * sendhelp.h --
 *	A second thread that sends half of a large sendmmsg batch while the
 *	loop's thread sends the other half.  On a host where a probe's round
 *	trip is done in the sender's system call (the lab: every hop and the
 *	target's answer run in softirq on the sending CPU), two halves sent
 *	from two CPUs at once take about half as long.  The helper only ever
 *	runs sock_send_batch on packets the loop lends it and reads the
 *	clocks around it; every probe's state stays with the loop's thread,
 *	which waits for the helper before it looks at the results.  It
 *	sleeps on a condition variable when there is nothing to send, so a
 *	worker at a modest rate never wakes it (loop.c splits only batches
 *	of SENDHELP_MIN probes or more).
 */
#ifndef PINGSVC_WORKER_SENDHELP_H
#define PINGSVC_WORKER_SENDHELP_H

#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "pkt.h"

#define SENDHELP_MIN 8

struct sendhelp;

/* What one sock_send_batch call came to, and the clocks around it. */
struct sendhelp_result {
	int sent;               /* packets the kernel took, in order */
	int err;                /* errno when none was taken, else 0 */
	struct timespec r0, r1; /* CLOCK_REALTIME before and after */
	uint64_t m0, m1;        /* CLOCK_MONOTONIC µs before and after */
};

/*
 * sendhelp_new --
 *	Start the thread (small stack, all signals blocked).  NULL when it
 *	cannot be started: the caller then sends everything itself.
 */
struct sendhelp *sendhelp_new(void);

/* sendhelp_free -- Stop and join the thread.  NULL-safe. */
void sendhelp_free(struct sendhelp *h);

/*
 * sendhelp_start --
 *	Have the thread send 'n' packets (borrowed until sendhelp_wait
 *	returns) on 'fd'.  One job at a time.
 */
void sendhelp_start(struct sendhelp *h, int fd, uint8_t (*pkt)[PKT_MAX],
    const size_t *len, const struct addr *dst, int n);

/*
 * sendhelp_wait --
 *	Wait for the job and return what it came to; a job the thread has
 *	not picked up yet is sent here instead (never slower than one
 *	thread when the host is too busy to run the helper at once).
 */
void sendhelp_wait(struct sendhelp *h, struct sendhelp_result *r);

/*
 * sendhelp_send --
 *	The same work on the calling thread: the clocks, then
 *	sock_send_batch, then the clocks.
 */
void sendhelp_send(int fd, uint8_t (*pkt)[PKT_MAX], const size_t *len,
    const struct addr *dst, int n, struct sendhelp_result *r);

#endif
