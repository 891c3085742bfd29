/*
 * metrics.c --
 *	Prometheus counters (see metrics.h).
 */
#include <pthread.h>

#include "metrics.h"

static const char *const ep_names[EP_COUNT] = {
	"claim",
	"submit",
	"heartbeat",
	"healthz",
	"metrics",
	"other",
};

/* Status codes the gateway answers with; others are counted as 0. */
static const int codes[] = { 200, 400, 401, 403, 404, 405, 409, 413, 415, 422,
	429, 500, 503, 0 };
#define NCODES (sizeof(codes) / sizeof(codes[0]))

/* Latency bucket bounds, s. */
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10 };
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static const struct {
	const char *name, *help;
} counter_info[M_COUNTER_COUNT] = {
	{ "pingsvc_ingest_jobs_handed_out_total", "Jobs leased to workers." },
	{ "pingsvc_ingest_results_stored_total", "Results stored." },
	{ "pingsvc_ingest_results_duplicate_total",
	    "Results acknowledged as already stored." },
	{ "pingsvc_ingest_db_errors_total",
	    "Failed database statements and connections." },
	{ "pingsvc_ingest_db_reconnects_total",
	    "Successful (re)connections to the database." },
	{ "pingsvc_ingest_results_too_old_total",
	    "Results refused (422) as older than the retained partitions." },
	{ "pingsvc_ingest_results_out_of_scope_total",
	    "Submits refused (403) for a result outside the worker's scope." },
	{ "pingsvc_ingest_rate_limited_total",
	    "Submits refused (429) over the worker's rate cap." },
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long requests[EP_COUNT][NCODES];
static unsigned long long buckets[EP_COUNT][NBOUNDS];
static unsigned long long lat_count[EP_COUNT];
static double lat_sum[EP_COUNT];
static long long counters[M_COUNTER_COUNT];
static double process_s;
static unsigned long long process_calls;

void
metrics_request(enum metrics_ep ep, int status, double seconds)
{
	size_t i;

	if (ep < 0 || ep >= EP_COUNT)
		ep = EP_OTHER;
	for (i = 0; i < NCODES - 1; i++)
		if (codes[i] == status)
			break;
	pthread_mutex_lock(&mu);
	requests[ep][i]++;
	for (i = 0; i < NBOUNDS; i++)
		if (seconds <= bounds[i])
			buckets[ep][i]++;
	lat_count[ep]++;
	lat_sum[ep] += seconds;
	pthread_mutex_unlock(&mu);
}

void
metrics_add(enum metrics_counter c, long long n)
{
	pthread_mutex_lock(&mu);
	counters[c] += n;
	pthread_mutex_unlock(&mu);
}

void
metrics_process_results(double seconds)
{
	pthread_mutex_lock(&mu);
	process_s += seconds;
	process_calls++;
	pthread_mutex_unlock(&mu);
}

int
metrics_render(struct buf *out)
{
	size_t e, i;
	int rc = -1;

	pthread_mutex_lock(&mu);
	if (buf_puts(out,
		"# HELP pingsvc_ingest_requests_total HTTP requests answered.\n"
		"# TYPE pingsvc_ingest_requests_total counter\n") == -1)
		goto out;
	for (e = 0; e < EP_COUNT; e++)
		for (i = 0; i < NCODES; i++)
			if (requests[e][i] != 0 &&
			    buf_printf(out,
				"pingsvc_ingest_requests_total{endpoint=\"%s\","
				"status=\"%d\"} %llu\n",
				ep_names[e], codes[i], requests[e][i]) == -1)
				goto out;
	if (buf_puts(out,
		"# HELP pingsvc_ingest_request_seconds Time to answer a "
		"request.\n"
		"# TYPE pingsvc_ingest_request_seconds histogram\n") == -1)
		goto out;
	for (e = 0; e < EP_COUNT; e++) {
		for (i = 0; i < NBOUNDS; i++)
			if (buf_printf(out,
				"pingsvc_ingest_request_seconds_bucket{"
				"endpoint="
				"\"%s\",le=\"%g\"} %llu\n",
				ep_names[e], bounds[i], buckets[e][i]) == -1)
				goto out;
		if (buf_printf(out,
			"pingsvc_ingest_request_seconds_bucket{endpoint=\"%s\","
			"le=\"+Inf\"} %llu\n"
			"pingsvc_ingest_request_seconds_sum{endpoint=\"%s\"} "
			"%.6f\n"
			"pingsvc_ingest_request_seconds_count{endpoint=\"%s\"} "
			"%llu\n",
			ep_names[e], lat_count[e], ep_names[e], lat_sum[e],
			ep_names[e], lat_count[e]) == -1)
			goto out;
	}
	for (i = 0; i < M_COUNTER_COUNT; i++)
		if (buf_printf(out,
			"# HELP %s %s\n# TYPE %s counter\n%s %lld\n",
			counter_info[i].name, counter_info[i].help,
			counter_info[i].name, counter_info[i].name,
			counters[i]) == -1)
			goto out;
	if (buf_printf(out,
		"# HELP pingsvc_ingest_process_results_seconds_total Time "
		"spent in pingsvc.process_results() (derivation of traces, "
		"hops, links, route changes) within submits.\n"
		"# TYPE pingsvc_ingest_process_results_seconds_total counter\n"
		"pingsvc_ingest_process_results_seconds_total %.6f\n"
		"# HELP pingsvc_ingest_process_results_calls_total Calls of "
		"pingsvc.process_results().\n"
		"# TYPE pingsvc_ingest_process_results_calls_total counter\n"
		"pingsvc_ingest_process_results_calls_total %llu\n",
		process_s, process_calls) == -1)
		goto out;
	rc = 0;
out:
	pthread_mutex_unlock(&mu);
	return rc;
}
