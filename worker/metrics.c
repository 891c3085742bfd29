/*
 * metrics.c --
 *	Health and metrics endpoint of the worker daemon (see metrics.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "client.h"
#include "metrics.h"
#include "netlib.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct metrics_snap snap;
static struct MHD_Daemon *daemon_h;

void
metrics_publish(const struct metrics_snap *m)
{
	pthread_mutex_lock(&mu);
	snap = *m;
	pthread_mutex_unlock(&mu);
}

struct metric {
	const char *name, *type, *help;
	size_t off;
	int is_double;
};

#define U(f) offsetof(struct metrics_snap, f), 0
#define D(f) offsetof(struct metrics_snap, f), 1

static const struct metric metrics[] = {
	{ "pingsvc_worker_probes_sent_total", "counter", "Probe packets sent.",
	    U(probes_sent) },
	{ "pingsvc_worker_probes_received_total", "counter",
	    "Replies matched to a probe.", U(probes_received) },
	{ "pingsvc_worker_probes_lost_total", "counter",
	    "Probes sent that got no reply (sent minus received).",
	    U(probes_lost) },
	{ "pingsvc_worker_measurements_total", "counter",
	    "Results produced (pings and traceroutes).", U(measurements_done) },
	{ "pingsvc_worker_jobs_claimed_total", "counter",
	    "Jobs received from the gateway.", U(jobs_claimed) },
	{ "pingsvc_worker_jobs_refused_total", "counter",
	    "Jobs not run (undecodable, or refused by the safety rule).",
	    U(jobs_refused) },
	{ "pingsvc_worker_inflight", "gauge", "Measurements running now.",
	    U(inflight) },
	{ "pingsvc_worker_spool_depth", "gauge",
	    "Results in the spool waiting for the gateway.", U(spool_depth) },
	{ "pingsvc_worker_spool_bytes", "gauge",
	    "Bytes of the spool's segment files.", U(spool_bytes) },
	{ "pingsvc_worker_spool_dropped_total", "counter",
	    "Oldest results deleted to keep the spool within "
	    "spool_max_bytes.",
	    U(spool_dropped) },
	{ "pingsvc_worker_spool_corrupt_total", "counter",
	    "Unreadable spool lines skipped at start.", U(spool_corrupt) },
	{ "pingsvc_worker_spool_rejected_total", "counter",
	    "Results the gateway refused, quarantined in rejected/.",
	    U(spool_rejected) },
	{ "pingsvc_worker_results_acked_total", "counter",
	    "Results the gateway acknowledged (stored or duplicate).",
	    U(results_acked) },
	{ "pingsvc_worker_last_submit_success_timestamp_seconds", "gauge",
	    "When a submit last succeeded (0: never).", D(last_submit_ok) },
	{ "pingsvc_worker_submit_errors_total", "counter",
	    "Submits that failed (no answer, or an error status).",
	    U(submit_errors) },
	{ "pingsvc_worker_claim_errors_total", "counter", "Claims that failed.",
	    U(claim_errors) },
	{ "pingsvc_worker_heartbeat_errors_total", "counter",
	    "Heartbeats that failed.", U(heartbeat_errors) },
	{ "pingsvc_worker_clock_offset_seconds", "gauge",
	    "This host's clock minus the gateway's (estimate).",
	    D(clock_offset_s) },
};

int
metrics_render(const struct metrics_snap *m, struct buf *out)
{
	const char *base = (const char *)m;
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]) && rc == 0; i++) {
		const struct metric *x = &metrics[i];

		rc = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", x->name,
		    x->help, x->name, x->type);
		if (rc == 0 && x->is_double)
			rc = buf_printf(out, "%s %.3f\n", x->name,
			    *(const double *)(const void *)(base + x->off));
		else if (rc == 0)
			rc = buf_printf(out, "%s %llu\n", x->name,
			    (unsigned long long)*(
				const uint64_t *)(const void *)(base + x->off));
	}
	return rc;
}

static enum MHD_Result
answer(struct MHD_Connection *conn, unsigned int status, const char *ctype,
    const char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if ((resp = netlib.MHD_create_response_from_buffer(
		 len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY)) == NULL)
		return MHD_NO;
	netlib.MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	rc = netlib.MHD_queue_response(conn, status, resp);
	netlib.MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct metrics_snap m;
	struct buf b = BUF_INIT;
	enum MHD_Result rc;
	double age;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(conn, 405, "application/json",
		    "{\"error\":\"method\"}", 18);
	pthread_mutex_lock(&mu);
	m = snap;
	pthread_mutex_unlock(&mu);
	if (strcmp(url, "/healthz") == 0) {
		/*
		 * A main loop stuck outside a batch is not healthy (a batch
		 * may take long: as long as its probes under rate_pps).
		 */
		age = client_time_now() - m.last_loop;
		if (m.inflight == 0 && m.last_loop > 0 && age > m.stuck_after_s)
			return answer(conn, 503, "application/json",
			    "{\"status\":\"stuck\"}", 18);
		return answer(
		    conn, 200, "application/json", "{\"status\":\"ok\"}", 15);
	}
	if (strcmp(url, "/metrics") != 0)
		return answer(conn, 404, "application/json",
		    "{\"error\":\"not_found\"}", 21);
	if (metrics_render(&m, &b) == -1) {
		buf_free(&b);
		return MHD_NO;
	}
	rc = answer(conn, 200, "text/plain; version=0.0.4", buf_str(&b), b.len);
	buf_free(&b);
	return rc;
}

int
metrics_start(const char *listen, struct errbuf *eb)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	const char *colon;
	char *end;
	long port;
	size_t hl;
	unsigned int flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if ((colon = strrchr(listen, ':')) == NULL)
		return errbuf_set(
		    eb, "metrics_listen: \"%s\" is not ADDRESS:PORT", listen);
	port = strtol(colon + 1, &end, 10);
	hl = (size_t)(colon - listen);
	if (*end != '\0' || port < 1 || port > 65535 || hl >= sizeof(host))
		return errbuf_set(
		    eb, "metrics_listen: \"%s\" is not ADDRESS:PORT", listen);
	if (hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)hl - 2, listen + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)hl, listen);
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else
		return errbuf_set(
		    eb, "metrics_listen: \"%s\" is not an IP address", host);
	if (netlib_load(eb) == -1)
		return -1;
	daemon_h = netlib.MHD_start_daemon(flags, (uint16_t)port, NULL, NULL,
	    handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, 16U, MHD_OPTION_CONNECTION_TIMEOUT,
	    10U, MHD_OPTION_END);
	if (daemon_h == NULL)
		return errbuf_set(
		    eb, "metrics_listen: cannot listen on %s", listen);
	return 0;
}

void
metrics_stop(void)
{
	if (daemon_h != NULL)
		netlib.MHD_stop_daemon(daemon_h);
	daemon_h = NULL;
}
