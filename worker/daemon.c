/*
 * daemon.c --
 *	The job loop of `pingsvc-worker run` (see daemon.h).
 *
 *	One thread does everything in turn: heartbeat when due, deliver the
 *	spool, claim a batch, measure it (the event loop runs every job of
 *	the batch concurrently within rate_pps), spool the results, and
 *	again.  While the gateway fails (no answer, 5xx, 401) the loop waits
 *	an exponential backoff with jitter (1 s doubling to backoff_max_s),
 *	or what Retry-After says; results keep accumulating in the spool
 *	only from batches already claimed, so an outage costs no probes.
 *	The metrics thread (metrics.c) reads a snapshot published after each
 *	step.
 *
 *	Stopping: SIGTERM/SIGINT set a flag.  No further claim is made;
 *	measurements in flight may finish for stop_grace_s (SIGALRM, or a
 *	second signal, sets the hard-stop flag the event loop watches);
 *	their results are spooled; one final delivery is tried; exit 0.
 *	Measurements cut short by the hard stop are not reported: their
 *	leases expire and the jobs go back to the queue.
 */
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"
#include "daemon.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "netlib.h"
#include "ping_cmd.h"
#include "ping_do.h"
#include "ping_json.h"
#include "priv.h"
#include "sock.h"
#include "spool.h"
#include "trace_cmd.h"
#include "trace_do.h"
#include "trace_json.h"
#include "util.h"
#include "version.h"

#define SUBMIT_BYTES   (4 * 1024 * 1024) /* lines per submit body, bytes */
#define BACKOFF_BASE_S 1.0

static volatile sig_atomic_t stop_flag; /* stop claiming */
static volatile sig_atomic_t hard_stop; /* abandon measurements */
static int grace_s;

static void
on_stop(int sig)
{
	(void)sig;
	if (stop_flag)
		hard_stop = 1;
	stop_flag = 1;
	if (grace_s > 0)
		alarm((unsigned int)grace_s);
	else
		hard_stop = 1;
}

static void
on_alarm(int sig)
{
	(void)sig;
	if (stop_flag)
		hard_stop = 1;
}

struct daemon {
	struct settings *st;
	struct prefix_set allow;
	struct sock_set socks;
	struct sock_router router;
	struct spool *spool;
	struct client *cl;
	int cap_icmp, cap_tcp, cap_udp;
	char token[512];
	int fails;             /* gateway failures in a row */
	double next_try;       /* monotonic s: no request before */
	double next_hb;        /* monotonic s: next heartbeat */
	double next_claim;     /* monotonic s: after an empty claim */
	int have_offset;       /* clock_offset is an estimate */
	size_t submit_bytes;   /* lines per submit, bytes; shrinks on 413 */
	size_t submit_n;       /* results per submit; shrinks on a 4xx */
	struct metrics_snap m; /* published after each step */
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep until monotonic 'until' or a stop signal, in short steps. */
static void
sleep_until(double until)
{
	struct timespec ts;
	double left;

	while (!stop_flag && (left = until - mono_now()) > 0) {
		if (left > 0.2)
			left = 0.2;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

static void
publish(struct daemon *d)
{
	const struct spool_stats *ss = spool_stats(d->spool);

	d->m.spool_depth = spool_depth(d->spool);
	d->m.spool_bytes = spool_bytes(d->spool);
	d->m.spool_dropped = ss->dropped;
	d->m.spool_corrupt = ss->corrupt;
	d->m.spool_rejected = ss->rejected;
	d->m.results_acked = ss->acked;
	d->m.last_loop = client_time_now();
	metrics_publish(&d->m);
}

/* The gateway failed: wait before the next request. */
static void
backoff(struct daemon *d, int retry_after_s)
{
	double delay, cap = d->st->backoff_max_s;

	d->fails++;
	if (retry_after_s >= 0) {
		delay = retry_after_s > cap * 10 ? cap * 10 : retry_after_s;
	} else {
		delay = BACKOFF_BASE_S * ldexp(1.0, d->fails - 1);
		if (delay > cap)
			delay = cap;
		/* "Equal jitter": between half and all of it. */
		delay =
		    delay / 2 + delay / 2 * (util_random32() / 4294967296.0);
	}
	d->next_try = mono_now() + delay;
	LOG(LOG_LVL_INFO, "gateway: retrying in %.1f s (failure %d in a row%s)",
	    delay, d->fails, retry_after_s >= 0 ? ", as Retry-After says" : "");
}

/* Server time from an answer: its server_time, or its Date header. */
static void
clock_sample(struct daemon *d, const struct client_resp *r, double server_time)
{
	double mid = (r->t_sent + r->t_done) / 2;

	if (server_time <= 0)
		server_time = r->date;
	if (server_time <= 0)
		return;
	d->m.clock_offset_s = mid - server_time;
	d->have_offset = 1;
}

/* The gateway's clock now, estimated (leases are in its time). */
static double
server_now(const struct daemon *d)
{
	return client_time_now() - (d->have_offset ? d->m.clock_offset_s : 0);
}

static int
caps_json(const struct daemon *d, struct json_out *j)
{
	if (json_out_open(j, "caps", 1) == -1 ||
	    (d->cap_icmp && json_out_str(j, NULL, "icmp") == -1) ||
	    (d->cap_udp && json_out_str(j, NULL, "udp") == -1) ||
	    (d->cap_tcp && json_out_str(j, NULL, "tcp") == -1))
		return -1;
	return json_out_close(j, 1);
}

/*
 * A POST of the body built by 'fill'.  Returns 0 with '*r' when the
 * gateway answered (any status), -1 (logged) when it did not.
 */
static int
post(struct daemon *d, const char *path, const struct buf *body,
    struct client_resp *r)
{
	struct errbuf eb;

	if (client_post(d->cl, path, buf_str(body), body->len, r, &eb) == -1) {
		LOG(LOG_LVL_WARN, "gateway: %s", errbuf_msg(&eb));
		return -1;
	}
	return 0;
}

/* Log an error answer.  Returns the item index it names, or -1. */
static long
log_answer(const char *what, const struct client_resp *r)
{
	char msg[1200];
	long idx;

	idx = client_parse_error(
	    buf_str(&r->body), r->body.len, msg, sizeof(msg));
	LOG(r->status >= 500 ? LOG_LVL_WARN : LOG_LVL_ERROR,
	    "gateway: %s: HTTP %ld: %s%s", what, r->status, msg,
	    r->status == 401 ? " (token unknown or revoked: enrol again)" : "");
	return idx;
}

static int
heartbeat(struct daemon *d)
{
	struct buf b = BUF_INIT;
	struct client_resp r = { 0 };
	struct json_out j;
	yajl_val v = NULL;
	struct errbuf eb;
	double st = -1;
	int rc = -1, jinit = 0;

	if (json_out_init(&j, &b) == -1)
		goto out;
	jinit = 1;
	if (json_out_open(&j, NULL, 0) == -1 ||
	    json_out_str(&j, "version", WORKER_VERSION) == -1 ||
	    caps_json(d, &j) == -1 ||
	    json_out_int(&j, "spool_depth", (int64_t)spool_depth(d->spool)) ==
		-1 ||
	    json_out_double(&j, "time", client_time_now()) == -1 ||
	    (d->have_offset &&
		json_out_int(&j, "clock_offset_ms",
		    (int64_t)llround(d->m.clock_offset_s * 1000)) == -1) ||
	    json_out_close(&j, 0) == -1)
		goto out;
	if (post(d, "/v1/heartbeat", &b, &r) == -1)
		goto out;
	if (r.status != 200) {
		log_answer("heartbeat", &r);
		goto out;
	}
	if ((v = json_parse(buf_str(&r.body), r.body.len, &eb)) != NULL &&
	    json_double(v, "server_time", 0, -1, 0, 1e11, &st, &eb) == -1)
		st = -1;
	clock_sample(d, &r, st);
	rc = 0;
out:
	if (rc == -1)
		d->m.heartbeat_errors++;
	yajl_tree_free(v);
	if (jinit)
		json_out_free(&j);
	buf_free(&b);
	client_resp_free(&r);
	return rc;
}

/*
 * Deliver the spool in batches until it is empty.  Returns 0, or -1 when
 * the gateway failed (backoff already set unless 'once').
 */
static int
deliver(struct daemon *d, int once)
{
	struct spool_batch b = SPOOL_BATCH_INIT;
	struct client_resp r = { 0 };
	struct buf body = BUF_INIT;
	enum client_ack *acks = NULL;
	struct errbuf eb;
	size_t i, n;
	long idx;
	int rc = -1, got;

	while (spool_depth(d->spool) > 0 && !hard_stop) {
		if (spool_next(
			d->spool, d->submit_n, d->submit_bytes, &b, &eb) <= 0) {
			LOG(LOG_LVL_ERROR, "%s", errbuf_msg(&eb));
			goto local;
		}
		n = b.n;
		buf_reset(&body);
		if (buf_puts(&body, "{\"results\":[") == -1 ||
		    buf_append(&body, b.lines.data, b.lines.len) == -1 ||
		    buf_puts(&body, "]}") == -1)
			goto nomem;
		if (post(d, "/v1/submit", &body, &r) == -1) {
			d->m.submit_errors++;
			if (!once)
				backoff(d, -1);
			goto out;
		}
		if (r.status == 200) {
			free(acks);
			if ((acks = calloc(n, sizeof(*acks))) == NULL)
				goto nomem;
			got = client_parse_submit(
			    buf_str(&r.body), r.body.len, b.keys, n, acks, &eb);
			if (got <= 0) {
				LOG(LOG_LVL_ERROR,
				    "gateway: submit: 200 without "
				    "acknowledgements: %s",
				    got == -1 ? errbuf_msg(&eb) : "none");
				d->m.submit_errors++;
				if (!once)
					backoff(d, -1);
				goto out;
			}
			for (i = 0; i < n; i++) {
				if (acks[i] == CLIENT_ACK_NONE)
					continue;
				LOG(LOG_LVL_DEBUG, "delivered %s (%s)",
				    b.keys[i],
				    acks[i] == CLIENT_ACK_STORED ? "stored"
								 : "duplicate");
				if (spool_ack(d->spool, b.ids[i], &eb) == -1)
					LOG(LOG_LVL_ERROR, "%s",
					    errbuf_msg(&eb));
			}
			d->m.last_submit_ok = client_time_now();
			d->fails = 0;
			LOG(LOG_LVL_INFO,
			    "submitted %zu results, %d acknowledged, %zu "
			    "waiting",
			    n, got, spool_depth(d->spool));
			publish(d);
			continue;
		}
		d->m.submit_errors++;
		if (r.status >= 500 || r.status == 429 || r.status == 401 ||
		    r.status < 400) {
			log_answer("submit", &r);
			if (!once)
				backoff(d, r.retry_after_s);
			goto out;
		}
		/*
		 * Any other 4xx: the gateway refuses an item for good.  It
		 * stores nothing of the batch and names the first bad item;
		 * quarantine that one and send the rest again.  An answer
		 * naming no item (413, too many results, a 403 about the
		 * token) is about the batch: send less at once, down to one
		 * result, which is then the culprit.
		 */
		idx = log_answer("submit", &r);
		if (idx >= 0 && (size_t)idx < n) {
			LOG(LOG_LVL_ERROR,
			    "quarantined result %s into %s/%s/%s", b.keys[idx],
			    d->st->spool_dir, SPOOL_REJECTED,
			    SPOOL_REJECT_FILE);
			if (spool_reject(d->spool, b.ids[idx], &eb) == -1) {
				LOG(LOG_LVL_ERROR, "%s", errbuf_msg(&eb));
				goto local;
			}
		} else if (r.status == 403) {
			if (!once)
				backoff(d, r.retry_after_s);
			goto out;
		} else if (n > 1) {
			d->submit_n = n / 2;
			if (r.status == 413)
				d->submit_bytes = b.lines.len / 2 > 1024
				    ? b.lines.len / 2
				    : 1024;
			LOG(LOG_LVL_WARN,
			    "gateway: submit refused as a whole; now at most "
			    "%zu results and %zu bytes at once",
			    d->submit_n, d->submit_bytes);
			continue;
		} else {
			LOG(LOG_LVL_ERROR,
			    "quarantined result %s into %s/%s/%s", b.keys[0],
			    d->st->spool_dir, SPOOL_REJECTED,
			    SPOOL_REJECT_FILE);
			if (spool_reject(d->spool, b.ids[0], &eb) == -1) {
				LOG(LOG_LVL_ERROR, "%s", errbuf_msg(&eb));
				goto local;
			}
		}
		publish(d);
	}
	rc = 0;
	goto out;
nomem:
	LOG(LOG_LVL_ERROR, "out of memory");
local:
	/* A local failure (disk, memory) must not spin either. */
	if (!once)
		backoff(d, -1);
out:
	free(acks);
	spool_batch_free(&b);
	buf_free(&body);
	client_resp_free(&r);
	return rc;
}

/* One measurement of a batch. */
struct running {
	int64_t job_id;
	int is_trace;
	void *state; /* struct ping_do or trace_do, owned by the loop */
};

/*
 * Prepare one job: decode it into a command, apply the safety rule, add
 * it to 'l'.  Returns 0, or -1 (logged) when the job is not run.
 */
static int
job_add(
    struct daemon *d, struct loop *l, const struct job *j, struct running *out)
{
	struct ping_cmd pc;
	struct trace_cmd tc;
	struct addr src;
	struct errbuf eb;
	char as[ADDR_STRLEN];
	int rc = -1, pinit = 0, tinit = 0;

	memset(&pc, 0, sizeof(pc));
	memset(&tc, 0, sizeof(tc));
	out->job_id = j->job_id;
	out->is_trace = j->type == RESULT_TRACEROUTE;
	if (j->lease_expires > 0 && (double)j->lease_expires <= server_now(d)) {
		errbuf_set(&eb, "its lease has already expired");
		goto out;
	}
	if (addr_check_target(&j->dst, &d->allow, &d->st->deny, &eb) == -1)
		goto out;
	if (j->dst.af == 6 && d->socks.send6_fd == -1) {
		errbuf_set(&eb, "IPv6 target, but this host has no IPv6");
		goto out;
	}
	if (sock_route_src(&d->router, &j->dst, &src, &eb) == -1)
		goto out;
	if (out->is_trace) {
		tinit = 1;
		if (trace_cmd_from_job(j, &tc, &eb) == -1 ||
		    (out->state = trace_do_new(&tc, l, &src, &eb)) == NULL)
			goto out;
		if (loop_add(l, &trace_do_ops, out->state, &j->dst, &eb) ==
		    -1) {
			trace_do_ops.free(out->state);
			out->state = NULL;
			goto out;
		}
	} else {
		pinit = 1;
		if (ping_cmd_from_job(j, &pc, &eb) == -1 ||
		    (out->state = ping_do_new(&pc, l, &src, &eb)) == NULL)
			goto out;
		if (loop_add(l, &ping_do_ops, out->state, &j->dst, &eb) == -1) {
			ping_do_ops.free(out->state);
			out->state = NULL;
			goto out;
		}
	}
	rc = 0;
out:
	if (rc == -1) {
		out->state = NULL;
		LOG(LOG_LVL_WARN, "job %lld (%s %s): not run: %s",
		    (long long)j->job_id, out->is_trace ? "traceroute" : "ping",
		    addr_format(&j->dst, as, sizeof(as)), errbuf_msg(&eb));
	}
	if (pinit)
		ping_cmd_free(&pc);
	if (tinit)
		trace_cmd_free(&tc);
	return rc;
}

/*
 * The spool bound deleted the result 'key' unsent: named in the log, so
 * that what was lost can be told apart from what was delivered.
 */
static void
on_spool_drop(const char *key, void *arg)
{
	(void)arg;
	LOG(LOG_LVL_DEBUG, "spool full: dropped %s", key);
}

/* Measure a batch of jobs and spool the results.  Returns 0 or -1. */
static int
run_batch(struct daemon *d, const struct job *jobs, size_t n)
{
	struct loop_conf lc;
	struct loop *l = NULL;
	struct running *run = NULL;
	const struct loop_stats *ls;
	struct result *r = NULL;
	struct errbuf eb;
	char *line = NULL;
	size_t i, k, added = 0, spooled = 0, *perm = NULL;
	uint64_t dropped0 = spool_stats(d->spool)->dropped;
	int rc = -1;

	lc.rate_pps = d->st->rate_pps;
	lc.target_interval_ms = (uint32_t)d->st->target_interval_ms;
	/* A fresh echo id per batch: late replies of the last one differ. */
	if ((l = loop_new(&d->socks, &lc, (uint16_t)util_random32(), &eb)) ==
		NULL ||
	    (run = calloc(n, sizeof(*run))) == NULL) {
		LOG(LOG_LVL_ERROR, "%s",
		    l == NULL ? errbuf_msg(&eb) : "out of memory");
		goto out;
	}
	/* In a random order (loop_add); without memory, as claimed. */
	perm = util_permutation(n);
	for (k = 0; k < n; k++) {
		i = perm != NULL ? perm[k] : k;
		if (job_add(d, l, &jobs[i], &run[i]) == 0)
			added++;
		else
			d->m.jobs_refused++;
	}
	free(perm);
	d->m.inflight = added;
	publish(d);
	if (added > 0 && loop_run(l, &hard_stop, &eb) == -1) {
		LOG(LOG_LVL_ERROR, "event loop: %s", errbuf_msg(&eb));
		goto out;
	}
	ls = loop_stats(l);
	d->m.probes_sent += ls->sent;
	d->m.probes_received += ls->replies;
	d->m.probes_lost += ls->sent > ls->replies ? ls->sent - ls->replies : 0;
	d->m.inflight = 0;
	if (hard_stop) {
		LOG(LOG_LVL_WARN,
		    "stopped with %zu measurements unfinished: not reported, "
		    "their leases will expire",
		    added);
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (run[i].state == NULL)
			continue;
		r = run[i].is_trace
		    ? trace_json_result(trace_do_cmd(run[i].state),
			  trace_do_outcome(run[i].state))
		    : ping_json_result(ping_do_cmd(run[i].state),
			  ping_do_outcome(run[i].state));
		if (r == NULL ||
		    (r->job_id = run[i].job_id,
			(line = result_to_json(r)) == NULL)) {
			LOG(LOG_LVL_ERROR, "out of memory");
			goto out;
		}
		if (spool_append(
			d->spool, line, strlen(line), r->idem_key, &eb) == -1)
			LOG(LOG_LVL_ERROR, "job %lld: result lost: %s",
			    (long long)run[i].job_id, errbuf_msg(&eb));
		else {
			spooled++;
			LOG(LOG_LVL_DEBUG, "spooled %s job %lld", r->idem_key,
			    (long long)run[i].job_id);
		}
		d->m.measurements_done++;
		free(line);
		line = NULL;
		result_free(r);
		r = NULL;
	}
	LOG(LOG_LVL_INFO,
	    "batch of %zu jobs: %zu measured, %zu results spooled (%zu "
	    "waiting)",
	    n, added, spooled, spool_depth(d->spool));
	if (spool_stats(d->spool)->dropped > dropped0)
		LOG(LOG_LVL_WARN,
		    "spool full (spool_max_bytes %lld): the %llu oldest "
		    "results waiting were dropped unsent",
		    (long long)d->st->spool_max_bytes,
		    (unsigned long long)(spool_stats(d->spool)->dropped -
			dropped0));
	rc = 0;
out:
	free(line);
	result_free(r);
	loop_free(l);
	free(run);
	publish(d);
	return rc;
}

/* Claim and measure one batch.  Returns the number of jobs, or -1. */
static int
claim(struct daemon *d)
{
	struct buf b = BUF_INIT;
	struct client_resp r = { 0 };
	struct json_out j;
	struct job *jobs = NULL;
	struct errbuf eb;
	size_t n = 0, bad = 0;
	double st;
	int rc = -1, jinit = 0;

	if (json_out_init(&j, &b) == -1)
		goto out;
	jinit = 1;
	if (json_out_open(&j, NULL, 0) == -1 ||
	    json_out_int(&j, "max", d->st->claim_max) == -1 ||
	    caps_json(d, &j) == -1 || json_out_close(&j, 0) == -1)
		goto out;
	if (post(d, "/v1/claim", &b, &r) == -1) {
		d->m.claim_errors++;
		backoff(d, -1);
		goto out;
	}
	if (r.status != 200) {
		d->m.claim_errors++;
		log_answer("claim", &r);
		backoff(d, r.retry_after_s);
		goto out;
	}
	if (client_parse_claim(buf_str(&r.body), r.body.len, &jobs, &n, &bad,
		&st, &eb) == -1) {
		d->m.claim_errors++;
		LOG(LOG_LVL_ERROR, "gateway: claim: %s", errbuf_msg(&eb));
		backoff(d, -1);
		goto out;
	}
	d->fails = 0;
	clock_sample(d, &r, st);
	d->m.jobs_claimed += n + bad;
	d->m.jobs_refused += bad;
	if (bad > 0)
		LOG(LOG_LVL_WARN, "claim: %zu jobs did not decode; skipped",
		    bad);
	if (n > 0) {
		LOG(LOG_LVL_INFO, "claimed %zu jobs", n);
		if (run_batch(d, jobs, n) == -1)
			goto out;
	}
	rc = (int)(n + bad);
out:
	free(jobs);
	if (jinit)
		json_out_free(&j);
	buf_free(&b);
	client_resp_free(&r);
	return rc;
}

/* The token from the configuration or its file.  0 or -1 (logged). */
static int
load_token(struct daemon *d)
{
	const char *t = d->st->token;
	FILE *f;
	size_t n;

	if (t != NULL && *t != '\0') {
		snprintf(d->token, sizeof(d->token), "%s", t);
	} else if (d->st->token_file != NULL && *d->st->token_file != '\0') {
		if ((f = fopen(d->st->token_file, "r")) == NULL) {
			LOG(LOG_LVL_ERROR, "token_file %s: %s",
			    d->st->token_file, strerror(errno));
			return -1;
		}
		if (fgets(d->token, sizeof(d->token), f) == NULL)
			d->token[0] = '\0';
		fclose(f);
	} else {
		LOG(LOG_LVL_ERROR,
		    "run: no token: set token_file (or token) in the "
		    "configuration (pingsvc-ingest enroll NAME prints one)");
		return -1;
	}
	n = strcspn(d->token, "\r\n \t");
	d->token[n] = '\0';
	if (n == 0) {
		LOG(LOG_LVL_ERROR, "run: the token is empty");
		return -1;
	}
	return 0;
}

static void
set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop; /* no SA_RESTART: sleeps end at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
daemon_run(struct settings *st, const struct prefix_set *allow)
{
	struct daemon d;
	struct client_conf cc;
	struct sock_caps caps;
	struct errbuf eb;
	size_t i;
	int rc = 1, curl_init = 0, metrics_on = 0;
	double now, wake;

	memset(&d, 0, sizeof(d));
	d.st = st;
	d.allow = (struct prefix_set)PREFIX_SET_INIT;
	d.socks = (struct sock_set)SOCK_SET_INIT;
	d.router = (struct sock_router)SOCK_ROUTER_INIT;
	d.submit_bytes = SUBMIT_BYTES;
	d.submit_n = (size_t)st->submit_max;
	grace_s = st->stop_grace_s;
	if (st->gateway_url == NULL || *st->gateway_url == '\0') {
		LOG(LOG_LVL_ERROR, "run: set gateway_url in the configuration");
		goto out;
	}
	if (load_token(&d) == -1)
		goto out;
	for (i = 0; i < st->allow.n; i++)
		if (prefix_set_add(&d.allow, &st->allow.v[i], &eb) == -1)
			goto fail;
	for (i = 0; i < allow->n; i++)
		if (prefix_set_add(&d.allow, &allow->v[i], &eb) == -1)
			goto fail;
	if (netlib_load(&eb) == -1)
		goto fail;
	if (netlib.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errbuf_set(&eb, "curl_global_init failed");
		goto fail;
	}
	curl_init = 1;
	/* Results of an earlier run are delivered before anything new. */
	if ((d.spool = spool_open(
		 st->spool_dir, (uint64_t)st->spool_max_bytes, &eb)) == NULL)
		goto fail;
	spool_on_drop(d.spool, on_spool_drop, NULL);
	if (spool_stats(d.spool)->recovered > 0 ||
	    spool_stats(d.spool)->corrupt > 0)
		LOG(LOG_LVL_INFO,
		    "spool %s: %llu results to deliver from an earlier run, "
		    "%llu unreadable lines skipped",
		    st->spool_dir,
		    (unsigned long long)spool_stats(d.spool)->recovered,
		    (unsigned long long)spool_stats(d.spool)->corrupt);
	/* The capabilities claimed are what the self-test finds here. */
	sock_probe_caps(
	    &caps, st->has_selftest_addr ? &st->selftest_addr : NULL);
	d.cap_icmp = sock_caps_icmp(&caps);
	d.cap_udp = sock_caps_udp(&caps);
	d.cap_tcp = sock_caps_tcp(&caps);
	if (caps.icmp_passes == 0 || caps.tcp_passes == 0)
		LOG(LOG_LVL_WARN,
		    "a firewall here drops%s%s (loopback test): not claiming "
		    "such jobs",
		    caps.icmp_passes == 0 ? " ICMP" : "",
		    caps.tcp_passes == 0 ? " TCP" : "");
	if (caps.egress_passes == 0)
		LOG(LOG_LVL_WARN,
		    "no ICMP answer from selftest_address (or refused): a "
		    "firewall drops ICMP on the real egress; not claiming "
		    "ICMP and UDP jobs");
	/* As root, the spool must stay writable once we are 'user'. */
	if (geteuid() == 0) {
		struct passwd *pw;

		if ((pw = getpwnam(st->user)) == NULL) {
			errbuf_set(&eb, "user \"%s\" does not exist", st->user);
			goto fail;
		}
		if (spool_chown(d.spool, pw->pw_uid, pw->pw_gid, &eb) == -1)
			goto fail;
	}
	if (sock_open(&d.socks, &eb) == -1 || priv_drop(st->user, &eb) == -1)
		goto fail;
	if (st->metrics_listen != NULL && *st->metrics_listen != '\0') {
		if (metrics_start(st->metrics_listen, &eb) == -1)
			goto fail;
		metrics_on = 1;
	}
	cc.url = st->gateway_url;
	cc.token = d.token;
	cc.ca_file = st->ca_file;
	cc.pinned_pubkey = st->pinned_pubkey;
	cc.timeout_s = st->http_timeout_s;
	if ((d.cl = client_new(&cc, &eb)) == NULL)
		goto fail;
	explicit_bzero(d.token, sizeof(d.token));
	set_signals();
	/* Outside a batch the loop turns at least once per request. */
	d.m.stuck_after_s = st->http_timeout_s * 2.0 + 60;
	publish(&d);
	LOG(LOG_LVL_INFO,
	    "running: gateway %s, caps%s%s%s, spool %s (%zu waiting), "
	    "metrics %s",
	    st->gateway_url, d.cap_icmp ? " icmp" : "", d.cap_udp ? " udp" : "",
	    d.cap_tcp ? " tcp" : "", st->spool_dir, spool_depth(d.spool),
	    metrics_on ? st->metrics_listen : "off");

	/*
	 * Each turn publishes the metrics, and no wait lasts more than a
	 * second, so /healthz sees a live loop outside batches.
	 */
	while (!stop_flag) {
		publish(&d);
		now = mono_now();
		if (now < d.next_try) {
			sleep_until(
			    d.next_try < now + 1 ? d.next_try : now + 1);
			continue;
		}
		if (now >= d.next_hb) {
			if (heartbeat(&d) == 0)
				d.next_hb = now + st->heartbeat_s;
			else
				/* Count it, but let claims decide on backoff. */
				d.next_hb = now +
				    (st->heartbeat_s < 10 ? st->heartbeat_s
							  : 10);
		}
		if (spool_depth(d.spool) > 0 && deliver(&d, 0) == -1)
			continue;
		if (now < d.next_claim) {
			wake =
			    d.next_claim < d.next_hb ? d.next_claim : d.next_hb;
			sleep_until(wake < now + 1 ? wake : now + 1);
			continue;
		}
		if (stop_flag)
			break;
		if (claim(&d) == 0)
			d.next_claim = mono_now() + st->idle_s;
	}
	LOG(LOG_LVL_INFO, "stopping: delivering %zu spooled results once",
	    spool_depth(d.spool));
	alarm(0);
	hard_stop = 0;
	/* The final attempt must not hang on a dead gateway either. */
	if (spool_depth(d.spool) > 0)
		deliver(&d, 1);
	LOG(LOG_LVL_INFO, "stopped; %zu results stay in the spool",
	    spool_depth(d.spool));
	rc = 0;
	goto out;
fail:
	LOG(LOG_LVL_ERROR, "run: %s", errbuf_msg(&eb));
out:
	if (metrics_on)
		metrics_stop();
	client_free(d.cl);
	spool_close(d.spool);
	sock_close(&d.socks);
	sock_router_close(&d.router);
	prefix_set_free(&d.allow);
	if (curl_init)
		netlib.curl_global_cleanup();
	explicit_bzero(d.token, sizeof(d.token));
	return rc;
}
