/*
 * schedule.h --
 *	`pingsvc-frontier run`: the scheduling loop.  Each cycle runs, in this
 *	order, partition maintenance when a day has passed since the last
 *	(pingsvc.frontier_state), pingsvc.score_targets() and, unless an
 *	operator paused scheduling (pingsvc.scheduling_paused(), when the
 *	database has it), pingsvc.schedule_cycle(); all the work is set-based
 *	SQL.
 */
#ifndef PINGSVC_FRONTIER_SCHEDULE_H
#define PINGSVC_FRONTIER_SCHEDULE_H

#include <signal.h>

#include <libpq-fe.h>

#include "errbuf.h"
#include "settings.h"

struct schedule_counts {
	int paused;           /* the viewer paused scheduling: no jobs made */
	long long maintained; /* partitions created/dropped, -1 if not run */
	long long scored;     /* targets changed by scoring, -1 if not run */
	long long requeued;   /* expired leases back to ready */
	long long failed;     /* expired leases out of attempts */
	long long targets;    /* targets scheduled */
	long long ping_jobs;
	long long trace_jobs;
	long long skipped; /* due but not probeable (opt-out, special) */
	long long located; /* hops located by RTT constraints, -1 not run */
};

/*
 * schedule_once --
 *	One cycle on 'db' with the settings 's'.  Returns 0 with '*c' filled,
 *	or -1 with 'eb'.  Maintenance failing (e.g. its lock_timeout) is
 *	logged, not fatal: it is tried again next cycle.
 */
int schedule_once(PGconn *db, const struct settings *s,
    struct schedule_counts *c, struct errbuf *eb);

/*
 * schedule_loop --
 *	Cycle every s->interval seconds until '*stop' becomes non-zero (a
 *	signal handler sets it).  Database errors are logged and the
 *	connection reset; the loop goes on.  Returns 0 when stopped.
 */
int schedule_loop(
    PGconn *db, const struct settings *s, volatile sig_atomic_t *stop);

#endif
