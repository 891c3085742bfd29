/*
 * server.c --
 *	The HTTPS gateway: libmicrohttpd (GnuTLS) with an internal thread
 *	pool for the connections (accept, TLS, HTTP), request bodies
 *	collected up to a limit, bearer-token authentication, routing to
 *	api.c, and graceful shutdown: SIGTERM and SIGINT only set a flag; the
 *	main thread then lets the requests in flight finish and stops the
 *	daemon.
 *
 *	A request that needs the database is not answered on the connection
 *	thread: its connection is suspended and the request queued, first in
 *	first out, for one of db_pool database threads, each holding a pooled
 *	connection while it runs the request; the reply is then sent by the
 *	connection thread.  So a connection thread never blocks on
 *	PostgreSQL, and the other connections it serves (TLS handshakes
 *	included) do not wait behind a slow statement; and requests are
 *	answered in the order they arrived, whichever thread accepted them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "buf.h"
#include "dyndns.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "server.h"
#include "settings.h"

static volatile sig_atomic_t stop_requested;

struct req;

/* The queue of requests for the database threads, oldest first. */
struct dbq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct req *head, *tail;
	int closing;   /* no more requests: the threads end once it is empty */
	pthread_t *th; /* db_pool threads */
	int nth;       /* started */
};

struct srv {
	struct settings set;
	struct api_limits lim;
	struct pool *pool;
	struct dbq q;
};

enum req_state { RQ_BODY = 0, RQ_QUEUED, RQ_ANSWERED };

/* Per-request state, from the first call of the handler to completion. */
struct req {
	struct buf body; /* request body, capped at max_body */
	int too_big;     /* the body went past the cap */
	struct timespec t0;
	enum metrics_ep ep;
	enum req_state state;
	int is_get, is_post;
	char *auth;                  /* the Authorization header, or NULL */
	struct MHD_Connection *conn; /* suspended while queued */
	struct api_reply reply;      /* set by a database thread */
	struct req *next;            /* in the queue */
};

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct req *rq, struct api_reply *r,
    const char *ctype)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[16];

	if (r->body.len == 0)
		buf_puts(&r->body, "{}");
	resp = MHD_create_response_from_buffer(r->body.len,
	    (void *)(uintptr_t)buf_str(&r->body), MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (r->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	metrics_request(rq->ep, r->status, elapsed(&rq->t0));
	return ret;
}

static enum metrics_ep
endpoint_of(const char *url)
{
	if (strcmp(url, "/v1/claim") == 0)
		return EP_CLAIM;
	if (strcmp(url, "/v1/submit") == 0)
		return EP_SUBMIT;
	if (strcmp(url, "/v1/heartbeat") == 0)
		return EP_HEARTBEAT;
	if (strcmp(url, "/healthz") == 0)
		return EP_HEALTHZ;
	if (strcmp(url, "/metrics") == 0)
		return EP_METRICS;
	return EP_OTHER;
}

/*
 * The answers that need no database: 404, 405, 413, 401 without a bearer
 * token.  Returns 1 with 'r' set, or 0 when the request must be queued.
 */
static int
answer_early(struct req *rq, struct api_reply *r)
{
	if (rq->ep == EP_OTHER) {
		api_error(r, 404, "not_found", "no such endpoint");
		return 1;
	}
	if (rq->ep == EP_METRICS || rq->ep == EP_HEALTHZ) {
		if (!rq->is_get) {
			api_error(r, 405, "method_not_allowed", "use GET");
			return 1;
		}
	} else if (!rq->is_post) {
		api_error(r, 405, "method_not_allowed", "use POST");
		return 1;
	}
	if (rq->too_big) {
		api_error(r, 413, "too_large", "request body over the limit");
		return 1;
	}
	if (rq->ep != EP_METRICS && rq->ep != EP_HEALTHZ &&
	    (rq->auth == NULL || strncasecmp(rq->auth, "Bearer ", 7) != 0)) {
		api_error(r, 401, "unauthorized", "missing bearer token");
		return 1;
	}
	return 0;
}

/* A request past answer_early, on a database thread. */
static void
dispatch(struct srv *s, struct req *rq, struct api_reply *r)
{
	struct api_worker w;
	struct errbuf eb;
	const char *auth;
	PGconn *c = NULL;
	int retry, a;

	if (rq->ep == EP_METRICS) {
		/* The silent-worker gauge needs the database, if it answers. */
		c = pool_get(s->pool, &retry, &eb);
		api_metrics(c, s->lim.silent_after_s, r);
		if (c != NULL)
			pool_put(s->pool, c);
		return;
	}
	auth = rq->ep != EP_HEALTHZ ? rq->auth + 7 : NULL;
	if ((c = pool_get(s->pool, &retry, &eb)) == NULL) {
		LOG(LOG_LVL_DEBUG, "%s", errbuf_msg(&eb));
		r->retry_after = retry;
		api_error(r, 503, "unavailable",
		    "the database is unavailable; retry later");
		return;
	}
	if (rq->ep == EP_HEALTHZ) {
		api_healthz(c, r);
		goto out;
	}
	if ((a = api_auth(c, auth, &w, &eb)) == -1) {
		api_db_error(r, c, NULL, &eb);
		goto out;
	}
	if (a == 0) {
		api_error(r, 401, "unauthorized", "unknown or revoked token");
		goto out;
	}
	switch (rq->ep) {
	case EP_CLAIM:
		api_claim(c, &s->lim, &w, buf_str(&rq->body), rq->body.len, r);
		break;
	case EP_SUBMIT:
		api_submit(c, &s->lim, &w, buf_str(&rq->body), rq->body.len, r);
		break;
	default:
		api_heartbeat(c, &w, buf_str(&rq->body), rq->body.len, r);
		break;
	}
	api_worker_free(&w);
out:
	pool_put(s->pool, c);
}

/*
 * The database threads: each takes the oldest queued request, answers it
 * and resumes its connection, whose thread then sends the reply.  They
 * end when the queue is closing and empty.
 */
static void *
db_thread(void *arg)
{
	struct srv *s = arg;
	struct dbq *q = &s->q;
	struct req *rq;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (q->head == NULL && !q->closing)
			pthread_cond_wait(&q->cv, &q->mu);
		if ((rq = q->head) == NULL) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		if ((q->head = rq->next) == NULL)
			q->tail = NULL;
		pthread_mutex_unlock(&q->mu);
		dispatch(s, rq, &rq->reply);
		if (rq->reply.status ==
		    0) /* cannot happen; never answer nothing */
			api_error(&rq->reply, 500, "internal", "no answer");
		/* The connection thread owns 'rq' again once resumed. */
		rq->state = RQ_ANSWERED;
		MHD_resume_connection(rq->conn);
	}
}

/*
 * Queue 'rq' for a database thread and suspend its connection.  Returns 0,
 * or -1 when the server is stopping (the caller answers 503).
 */
static int
dbq_push(struct srv *s, struct req *rq)
{
	struct dbq *q = &s->q;

	pthread_mutex_lock(&q->mu);
	if (q->closing) {
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	/* Suspended before a thread can resume it. */
	MHD_suspend_connection(rq->conn);
	rq->state = RQ_QUEUED;
	rq->next = NULL;
	if (q->tail != NULL)
		q->tail->next = rq;
	else
		q->head = rq;
	q->tail = rq;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

static int
dbq_start(struct srv *s)
{
	struct dbq *q = &s->q;

	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if ((q->th = calloc((size_t)s->set.db_pool, sizeof(*q->th))) == NULL)
		return -1;
	for (q->nth = 0; q->nth < s->set.db_pool; q->nth++)
		if (pthread_create(&q->th[q->nth], NULL, db_thread, s) != 0)
			return -1;
	return 0;
}

/* Let the queued requests finish, then end the threads.  Idempotent. */
static void
dbq_stop(struct srv *s)
{
	struct dbq *q = &s->q;
	int i;

	if (q->th == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->closing = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < q->nth; i++)
		pthread_join(q->th[i], NULL);
	free(q->th);
	q->th = NULL;
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
}

static enum MHD_Result
reply(struct MHD_Connection *conn, struct req *rq, struct api_reply *r)
{
	enum MHD_Result ret;

	ret = send_reply(conn, rq, r,
	    rq->ep == EP_METRICS && r->status == 200
		? "text/plain; version=0.0.4"
		: "application/json");
	buf_free(&r->body);
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct srv *s = cls;
	struct req *rq = *con_cls;
	struct api_reply r;
	const char *cl, *auth;

	(void)version;
	if (rq == NULL) {
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		rq->body.max = (size_t)s->set.max_body;
		clock_gettime(CLOCK_MONOTONIC, &rq->t0);
		rq->ep = endpoint_of(url);
		*con_cls = rq;
		/* A declared length over the cap is refused before reading. */
		cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL &&
		    strtoull(cl, NULL, 10) >
			(unsigned long long)s->set.max_body)
			rq->too_big = 1;
		if (!rq->too_big)
			return MHD_YES;
	} else if (rq->state == RQ_ANSWERED) {
		return reply(conn, rq, &rq->reply);
	} else if (rq->state == RQ_QUEUED) {
		return MHD_YES; /* cannot happen: suspended until answered */
	} else if (*upload_data_size > 0) {
		if (!rq->too_big &&
		    buf_append(&rq->body, upload_data, *upload_data_size) == -1)
			rq->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&r, 0, sizeof(r));
	if (rq->too_big)
		buf_free(&rq->body);
	rq->is_get = strcmp(method, "GET") == 0;
	rq->is_post = strcmp(method, "POST") == 0;
	auth = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth != NULL && (rq->auth = strdup(auth)) == NULL)
		return MHD_NO;
	if (answer_early(rq, &r))
		return reply(conn, rq, &r);
	rq->conn = conn;
	if (dbq_push(s, rq) == 0)
		return MHD_YES;
	r.retry_after = 1;
	api_error(&r, 503, "unavailable", "the gateway is stopping");
	return reply(conn, rq, &r);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq == NULL)
		return;
	buf_free(&rq->body);
	buf_free(&rq->reply.body);
	free(rq->auth);
	free(rq);
	*con_cls = NULL;
}

static char *
read_file(const char *path, struct errbuf *eb)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		errbuf_set(eb, "%s: %s", path, strerror(errno));
		return NULL;
	}
	b.max = 1 << 20;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) == -1) {
			errbuf_set(eb, "%s: too large", path);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	fclose(f);
	if (b.len == 0) {
		errbuf_set(eb, "%s: empty", path);
		return NULL;
	}
	return b.data;
}

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	LOG(LOG_LVL_DEBUG, "httpd: %s", line);
}

int
server_main(const char *config_path, const char *conninfo)
{
	struct srv s;
	struct errbuf eb;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	struct sigaction act;
	struct MHD_Daemon *d = NULL;
	struct dyndns *dyn = NULL;
	char *cert = NULL, *key = NULL;
	unsigned int flags;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	if (settings_load(&s.set, config_path, &eb) == -1) {
		LOG(LOG_LVL_ERROR, "%s", errbuf_msg(&eb));
		goto out;
	}
	log_init("pingsvc-ingest", s.set.log_level);
	s.lim.max_results = s.set.max_results;
	s.lim.claim_max = s.set.claim_max;
	s.lim.lease_s = s.set.lease_s;
	s.lim.silent_after_s = s.set.silent_after_s;
	s.lim.derive_inline = s.set.derive_inline;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, s.set.listen, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)s.set.port);
		sa = (struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, s.set.listen, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)s.set.port);
		sa = (struct sockaddr *)&sin6;
	} else {
		LOG(LOG_LVL_ERROR, "%s: listen: \"%s\" is not an IP address",
		    config_path, s.set.listen);
		goto out;
	}
	if (s.set.tls) {
		if ((cert = read_file(s.set.tls_cert, &eb)) == NULL ||
		    (key = read_file(s.set.tls_key, &eb)) == NULL) {
			LOG(LOG_LVL_ERROR, "tls: %s", errbuf_msg(&eb));
			goto out;
		}
	} else {
		LOG(LOG_LVL_WARN, "tls = false: serving plain HTTP");
	}
	s.pool = pool_new(conninfo != NULL ? conninfo : s.set.db, s.set.db_pool,
	    s.set.db_wait_ms, s.set.db_retry_min_ms, s.set.db_retry_max_ms,
	    s.set.db_statement_ms, api_prepare);
	if (s.pool == NULL) {
		LOG(LOG_LVL_ERROR, "out of memory");
		goto out;
	}

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (dbq_start(&s) == -1) {
		LOG(LOG_LVL_ERROR, "cannot start the database threads");
		goto out;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME;
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s.set.tls)
		flags |= MHD_USE_TLS;
	/*
	 * Without TLS the option list ends before the certificate: a
	 * variadic list may carry arguments nobody reads.
	 */
	d = MHD_start_daemon(flags, (uint16_t)s.set.port, NULL, NULL, handler,
	    &s, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_SOCK_ADDR,
	    sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s.set.threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)s.set.max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)s.set.conn_timeout_s,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    s.set.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
	    MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
	if (d == NULL) {
		LOG(LOG_LVL_ERROR,
		    "cannot listen on %s port %d (in use, or bad TLS files?)",
		    s.set.listen, s.set.port);
		goto out;
	}
	LOG(LOG_LVL_INFO,
	    "listening on %s port %d (%s), %d threads, %d "
	    "database connections",
	    s.set.listen, s.set.port, s.set.tls ? "https" : "http",
	    s.set.threads, s.set.db_pool);
	/* A gateway at home keeps its DNS name current (dyndns.h). */
	if (s.set.dyndns != NULL &&
	    (dyn = dyndns_start(s.set.dyndns, &eb)) == NULL) {
		LOG(LOG_LVL_ERROR, "%s", errbuf_msg(&eb));
		goto out;
	}
	while (!stop_requested)
		usleep(100000);
	dyndns_stop(dyn);
	dyn = NULL;
	LOG(LOG_LVL_INFO, "stopping: finishing requests in flight");
	/* No suspended connection may be left when the daemon stops. */
	dbq_stop(&s);
	MHD_stop_daemon(d);
	d = NULL;
	LOG(LOG_LVL_INFO, "stopped");
	rc = 0;
out:
	dyndns_stop(dyn);
	dbq_stop(&s);
	if (d != NULL)
		MHD_stop_daemon(d);
	pool_free(s.pool);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	settings_free(&s.set);
	return rc;
}
