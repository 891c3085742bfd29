/*
 * metrics.h --
 *	The worker daemon's health and metrics endpoint (libmicrohttpd, one
 *	internal thread, plain HTTP on a loopback address by default:
 *	127.0.0.1:9101).  GET /healthz answers {"status":"ok"} while the
 *	main loop is alive; GET /metrics the counters in Prometheus's text
 *	format.  The main loop publishes a snapshot (metrics_publish) after
 *	each step; the HTTP thread only reads the snapshot, under a mutex.
 */
#ifndef PINGSVC_WORKER_METRICS_H
#define PINGSVC_WORKER_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "errbuf.h"

struct metrics_snap {
	uint64_t probes_sent, probes_received, probes_lost;
	uint64_t measurements_done; /* results produced */
	uint64_t jobs_claimed, jobs_refused;
	uint64_t inflight; /* measurements running now */
	uint64_t spool_depth, spool_bytes;
	uint64_t spool_dropped, spool_corrupt, spool_rejected;
	uint64_t results_acked;
	double last_submit_ok;  /* s since the epoch, 0: never */
	uint64_t submit_errors; /* failed submits (transport or status) */
	uint64_t claim_errors, heartbeat_errors;
	double clock_offset_s; /* ours minus the gateway's, s */
	double stuck_after_s;  /* /healthz fails when last_loop is older, s */
	double last_loop; /* s since the epoch, the main loop's last turn */
};

/*
 * metrics_start --
 *	Listen on 'listen' ("ADDR:PORT", IPv4 or [IPv6]:PORT).  Returns 0, or
 *	-1 with 'eb'.
 */
int metrics_start(const char *listen, struct errbuf *eb);

/* metrics_stop -- Stop listening; a no-op when not started. */
void metrics_stop(void);

/* metrics_publish -- Replace the snapshot the endpoint shows. */
void metrics_publish(const struct metrics_snap *m);

/* metrics_render -- The exposition text of 'm', appended to 'out'. */
int metrics_render(const struct metrics_snap *m, struct buf *out);

#endif
