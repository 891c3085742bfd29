/*
 * rows.h --
 *	The normalised rows of a traceroute (pingsvc.traces, pingsvc.hops
 *	and its pingsvc.derive_queue entry) built in C from the decoded
 *	result, in COPY text format, so that the gateway stores them with
 *	COPY instead of walking the stored JSON again in SQL.
 *
 *	They are the rows pingsvc.extract_results() (process_results
 *	version 3, steps 1a/1b) makes from the stored body, which is
 *	result_encode of the same struct: tests/integration/ingest_rows.t
 *	keeps the two in agreement.
 */
#ifndef PINGSVC_INGEST_ROWS_H
#define PINGSVC_INGEST_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "result.h"

/* Longest vantage name: "atlas:" and ten digits, or a worker name. */
#define ROWS_VANTAGE_MAX 64

/* The COPY data of a batch, one buffer per table. */
struct rows_out {
	struct buf traces; /* COPY pingsvc.traces (ROWS_TRACES_COLS) */
	struct buf hops;   /* COPY pingsvc.hops (ROWS_HOPS_COLS) */
	struct buf queue;  /* COPY pingsvc.derive_queue (ROWS_QUEUE_COLS) */
	long long ntraces, nhops;
};

#define ROWS_TRACES_COLS                                                       \
	"(trace_id, result_id, vantage, worker_id, target, ts, proto,"         \
	" paris_id, path, reached, reached_ttl, source)"
#define ROWS_HOPS_COLS                                                         \
	"(trace_id, ts, ttl, probe, address, rtt_ms, reply_ttl, size, mpls,"   \
	" icmp_type, icmp_code)"
#define ROWS_QUEUE_COLS "(trace_id, ts, detect)"

#define ROWS_OUT_INIT                                                          \
	{                                                                      \
		BUF_INIT, BUF_INIT, BUF_INIT, 0, 0                             \
	}

/*
 * rows_vantage --
 *	The trace's vantage: "atlas:" and the probe id for 'source' "atlas",
 *	else 'worker' (the name of the result's workers row, may be NULL).
 *	Returns 1 with it in 'out', or 0 when the result has no valid vantage
 *	(then it gets no trace, as in SQL).
 */
int rows_vantage(const struct result *r, const char *source, const char *worker,
    char out[ROWS_VANTAGE_MAX + 1]);

/*
 * rows_wanted --
 *	Whether 'r' yields a trace: a traceroute with at least one hop entry
 *	and a valid vantage (rows_vantage).
 */
int rows_wanted(const struct result *r, const char *source, const char *worker);

/*
 * rows_add --
 *	Append the traces row of 'r' (stored as 'result_id' by 'worker_id',
 *	-1: NULL), its hops rows and its derive_queue row (detect false for a
 *	GSS-stopped traceroute) under 'trace_id'.  'r' must be rows_wanted.
 *	Returns 0 or -1 (memory).
 */
int rows_add(struct rows_out *o, const struct result *r, int64_t trace_id,
    int64_t result_id, int64_t worker_id, const char *source,
    const char *worker);

/* rows_reset -- Empty the buffers for the next batch (kept allocated). */
void rows_reset(struct rows_out *o);

/* rows_free -- Release the buffers. */
void rows_free(struct rows_out *o);

/*
 * rows_ts_text --
 *	timestamptz text (UTC) of 's' seconds since the epoch, as
 *	to_timestamp(s), into 'dst' (32 bytes are enough); returns 'dst'.
 */
const char *rows_ts_text(int64_t s, char *dst, size_t len);

/*
 * rows_rtt_text --
 *	'rtt_ms' as the body stores it (json_out_double: three decimals,
 *	trailing zeros trimmed) into 'dst', or "" when absent or outside
 *	[0, 60000) once so rounded (hops.rtt_ms NULL).
 */
void rows_rtt_text(double rtt_ms, char *dst, size_t len);

#endif
