/*
 * daemon.h --
 *	`pingsvc-worker run`: the job loop.  Claim a batch of jobs from the
 *	gateway (with the capabilities this host has), measure them all at
 *	once in one event loop under the rate cap, write every result to the
 *	spool (spool.h) and submit the spool in batches; heartbeats; retries
 *	with exponential backoff and jitter; SIGTERM/SIGINT stop it cleanly.
 */
#ifndef PINGSVC_WORKER_DAEMON_H
#define PINGSVC_WORKER_DAEMON_H

#include "addr.h"
#include "settings.h"

/*
 * daemon_run --
 *	Run until SIGTERM or SIGINT.  'allow' (borrowed) adds to the
 *	configuration's allowed ranges.  Returns the exit status: 0 after a
 *	clean stop, 1 when start-up failed (the reason logged).
 */
int daemon_run(struct settings *st, const struct prefix_set *allow);

#endif
