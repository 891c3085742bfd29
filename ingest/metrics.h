/*
 * metrics.h --
 *	The gateway's counters, exposed on GET /metrics in Prometheus's text
 *	format: requests by endpoint and status, a latency histogram per
 *	endpoint, jobs handed out, results stored and duplicated, database
 *	errors.  Process-wide, guarded by one mutex (updates are a few
 *	additions per request).
 */
#ifndef PINGSVC_INGEST_METRICS_H
#define PINGSVC_INGEST_METRICS_H

#include "buf.h"

enum metrics_ep {
	EP_CLAIM = 0,
	EP_SUBMIT,
	EP_HEARTBEAT,
	EP_HEALTHZ,
	EP_METRICS,
	EP_OTHER,
	EP_COUNT
};

enum metrics_counter {
	M_JOBS_HANDED_OUT = 0,
	M_RESULTS_STORED,
	M_RESULTS_DUPLICATE,
	M_DB_ERRORS,
	M_DB_RECONNECTS,
	M_RESULTS_TOO_OLD,
	M_SCOPE_REFUSED,
	M_RATE_LIMITED,
	M_COUNTER_COUNT
};

/* metrics_request -- Count one answered request and its latency (s). */
void metrics_request(enum metrics_ep ep, int status, double seconds);

/* metrics_add -- Add 'n' to a counter. */
void metrics_add(enum metrics_counter c, long long n);

/*
 * metrics_process_results --
 *	Add the time (s) one call of pingsvc.process_results() took, for
 *	pingsvc_ingest_process_results_seconds_total (its share of the
 *	submit time).
 */
void metrics_process_results(double seconds);

/* metrics_render -- Append the exposition text to 'out'.  0 or -1. */
int metrics_render(struct buf *out);

#endif
