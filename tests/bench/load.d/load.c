/*
 * load.c --
 *	Simulated workers for tests/bench/load: each thread is one worker
 *	that claims a batch of jobs and submits one ping result per job, as
 *	fast as the answers come, until the time is up.
 *
 *	load --tokens FILE --url URL --cacert FILE [options]
 *		through the gateway (HTTPS, one keep-alive connection per
 *		worker, the token of line i for worker i)
 *	load --tokens FILE --pg CONNINFO [options]
 *		the baseline: the same claims and stores as SQL straight to
 *		PostgreSQL, one connection per worker
 *
 *	Options: --workers N (200), --seconds S (300), --batch K (10).
 *
 *	A submit that fails (transport error, 5xx) is sent again with the
 *	same idempotency keys, as a worker delivers its spool; only a 4xx is
 *	final.  Prints "name value" lines: requests, errors (and by kind:
 *	errors_transport, errors_4xx, errors_5xx), retries,
 *	jobs_claimed, results_sent, results_stored, duplicates, unacked
 *	(results never acknowledged), elapsed_s, lat_p50_ms, lat_p99_ms,
 *	and connects (requests that opened a connection: TCP and TLS
 *	handshakes; one per worker when keep-alive holds) with
 *	lat_connect_p50_ms and lat_connect_max_ms.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "buf.h"
#include "errbuf.h"
#include "json.h"

#define MAX_WORKERS      4096
#define MAX_SUBMIT_TRIES 20

struct opts {
	const char *url;
	const char *cacert;
	const char *pg;
	int workers;
	int seconds;
	int batch;
};

struct job {
	int64_t id;
	char dst[64];
};

/* Per worker: its identity, its connection, its counts and latencies. */
struct worker {
	const struct opts *o;
	int idx;
	char token[256];
	int64_t worker_id;
	double deadline;
	CURL *curl;
	PGconn *pg;
	struct buf body;  /* request */
	struct buf reply; /* answer */
	uint64_t requests, errors, retries, claimed, sent, stored, dups,
	    unacked;
	uint64_t err_transport, err_4xx, err_5xx;
	double *lat; /* milliseconds per request */
	size_t nlat, caplat;
	double *clat; /* ms of the requests that opened a connection */
	size_t nclat, capclat;
	uint64_t seq;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
add_lat(struct worker *w, double ms)
{
	double *p;

	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? w->caplat * 2 : 1024;
		if ((p = realloc(w->lat, w->caplat * sizeof(*p))) == NULL) {
			perror("load: realloc");
			exit(1);
		}
		w->lat = p;
	}
	w->lat[w->nlat++] = ms;
}

/* A request that had to open a connection (TCP and TLS handshake). */
static void
add_connect_lat(struct worker *w, double ms)
{
	double *p;

	if (w->nclat == w->capclat) {
		w->capclat = w->capclat ? w->capclat * 2 : 16;
		if ((p = realloc(w->clat, w->capclat * sizeof(*p))) == NULL) {
			perror("load: realloc");
			exit(1);
		}
		w->clat = p;
	}
	w->clat[w->nclat++] = ms;
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	return buf_append(arg, p, size * n) == 0 ? size * n : 0;
}

/* POST the request body to 'path'; returns the HTTP status, 0 on error. */
static long
http_post(struct worker *w, const char *path)
{
	char url[512], auth[300];
	struct curl_slist *h = NULL;
	long code = 0, nconn = 0;
	double t0 = now_s(), ms;
	CURLcode cc;

	snprintf(url, sizeof(url), "%s%s", w->o->url, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", w->token);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	buf_reset(&w->reply);
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, buf_str(&w->body));
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)w->body.len);
	if ((cc = curl_easy_perform(w->curl)) == CURLE_OK)
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(w->curl, CURLINFO_NUM_CONNECTS, &nconn);
	curl_slist_free_all(h);
	w->requests++;
	ms = (now_s() - t0) * 1000;
	add_lat(w, ms);
	if (nconn > 0)
		add_connect_lat(w, ms);
	if (code != 200) {
		w->errors++;
		if (code == 0)
			w->err_transport++;
		else if (code < 500)
			w->err_4xx++;
		else
			w->err_5xx++;
		/* The reason, once per kind per worker, for the log. */
		if (code == 0 && w->err_transport == 1)
			fprintf(stderr, "load: %s: %s\n", path,
			    curl_easy_strerror(cc));
		else if (code != 0 && w->err_4xx + w->err_5xx == 1)
			fprintf(stderr, "load: %s: HTTP %ld %.200s\n", path,
			    code, buf_str(&w->reply));
	}
	return code;
}

/* Decode a claim answer {"jobs": [{"job_id", "dst_addr", ...}]}. */
static size_t
parse_jobs(const char *text, size_t len, struct job *jobs, size_t max)
{
	struct errbuf eb;
	yajl_val root, arr, v;
	const char *dst;
	size_t i, n = 0;

	errbuf_clear(&eb);
	if ((root = json_parse(text, len, &eb)) == NULL)
		return 0;
	arr = json_get(root, "jobs");
	for (i = 0; arr != NULL && YAJL_IS_ARRAY(arr) && i < arr->u.array.len &&
	     n < max;
	     i++) {
		v = arr->u.array.values[i];
		if (json_int(v, "job_id", 1, 0, 1, INT64_MAX, &jobs[n].id,
			&eb) == -1 ||
		    json_str(v, "dst_addr", 1, NULL, sizeof(jobs[n].dst) - 1,
			&dst, &eb) == -1)
			continue;
		snprintf(jobs[n].dst, sizeof(jobs[n].dst), "%s", dst);
		n++;
	}
	yajl_tree_free(root);
	return n;
}

/* The submit body: one ping result per job, keys L<worker>-<seq>. */
static int
make_results(struct worker *w, const struct job *jobs, size_t n)
{
	time_t now = time(NULL);
	size_t i;

	buf_reset(&w->body);
	if (buf_puts(&w->body, "{\"results\": [") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_printf(&w->body,
			"%s{\"type\": \"ping\", \"af\": 4, \"proto\": \"ICMP\","
			" \"dst_addr\": \"%s\", \"job_id\": %" PRId64 ","
			" \"timestamp\": %lld, \"idem_key\": \"L%d-%" PRIu64
			"\", \"sent\": 1, \"rcvd\": 1, \"min\": 1.0, \"avg\": "
			"1.0,"
			" \"max\": 1.0, \"result\": [{\"rtt\": 1.0}]}",
			i ? ", " : "", jobs[i].dst, jobs[i].id, (long long)now,
			w->idx, ++w->seq) == -1)
			return -1;
	return buf_puts(&w->body, "]}");
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* One round through the gateway; returns the jobs claimed. */
static size_t
round_gateway(struct worker *w, struct job *jobs)
{
	size_t n;
	long code;
	int tries;

	buf_reset(&w->body);
	buf_printf(&w->body, "{\"max\": %d}", w->o->batch);
	if (http_post(w, "/v1/claim") != 200)
		return 0;
	n = parse_jobs(w->reply.data, w->reply.len, jobs, w->o->batch);
	if (n == 0)
		return 0;
	w->claimed += n;
	if (make_results(w, jobs, n) == -1)
		return 0;
	w->sent += n;
	for (tries = 0; tries < MAX_SUBMIT_TRIES; tries++) {
		if (tries > 0) {
			w->retries++;
			usleep(100000);
		}
		code = http_post(w, "/v1/submit");
		if (code == 200) {
			w->stored += count_str(
			    buf_str(&w->reply), "\"status\":\"stored\"");
			w->dups += count_str(
			    buf_str(&w->reply), "\"status\":\"duplicate\"");
			return n;
		}
		if (code >= 400 && code < 500)
			break;
	}
	w->unacked += n;
	return n;
}

/*
 * The baseline's statements: the gateway's batch claim, and its store
 * (keys first, results for new keys, process_results) with the jobs
 * marked done, in one transaction.
 */
static const char SQL_CLAIM[] =
    "UPDATE pingsvc.jobs j"
    "   SET state = 'leased', worker_id = $1, leased_at = now(),"
    "       lease_expires = now() + interval '300 s',"
    "       attempts = j.attempts + 1"
    " WHERE j.job_id = ANY (ARRAY("
    "   SELECT job_id FROM pingsvc.jobs"
    "    WHERE state = 'ready' AND not_before <= now()"
    "      AND attempts < max_attempts AND required_cap = ANY ('{icmp}')"
    "    ORDER BY priority DESC, job_id LIMIT $2 FOR UPDATE SKIP LOCKED))"
    " RETURNING j.job_id, host(j.target)";

static const char SQL_STORE[] =
    "WITH input AS MATERIALIZED ("
    "  SELECT x.k, to_timestamp(x.ts) AS ts, x.dst::inet AS dst, x.job,"
    "         x.body, nextval('pingsvc.results_result_id_seq') AS result_id"
    "    FROM jsonb_array_elements($1::jsonb) AS e(v),"
    "         jsonb_to_record(e.v) AS x(k text, ts bigint, dst text,"
    "             job bigint, body jsonb)"
    "), keys AS ("
    "  INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts)"
    "  SELECT 'worker:' || $2, k, result_id, ts FROM input"
    "  ON CONFLICT DO NOTHING RETURNING result_id"
    "), res AS ("
    "  INSERT INTO pingsvc.results (result_id, ts, worker_id, job_id,"
    "         idem_key, type, af, target, body, source)"
    "  SELECT i.result_id, i.ts, $2::bigint, i.job, i.k, 'ping', 4, i.dst,"
    "         i.body, 'pingsvc'"
    "    FROM input i JOIN keys USING (result_id) RETURNING result_id"
    "), done AS ("
    "  UPDATE pingsvc.jobs SET state = 'done', done_at = now()"
    "   WHERE job_id IN (SELECT job FROM input) AND worker_id = $2::bigint"
    ")"
    "SELECT count(*) FROM pingsvc.process_results("
    "  ARRAY(SELECT result_id FROM res))";

static PGresult *
pg_exec(struct worker *w, const char *sql, int n, const char *const *vals)
{
	PGresult *res;
	double t0 = now_s();

	res = PQexecParams(w->pg, sql, n, NULL, vals, NULL, NULL, 0);
	w->requests++;
	add_lat(w, (now_s() - t0) * 1000);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		w->errors++;
		fprintf(stderr, "load: %s", PQerrorMessage(w->pg));
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The body for SQL_STORE: [{"k", "ts", "dst", "job", "body"}]. */
static int
make_rows(struct worker *w, const struct job *jobs, size_t n)
{
	time_t now = time(NULL);
	size_t i;

	buf_reset(&w->body);
	if (buf_puts(&w->body, "[") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_printf(&w->body,
			"%s{\"k\": \"L%d-%" PRIu64 "\", \"ts\": %lld,"
			" \"dst\": \"%s\", \"job\": %" PRId64
			", \"body\": {\"type\": \"ping\", \"af\": 4,"
			" \"dst_addr\": \"%s\", \"sent\": 1, \"rcvd\": 1,"
			" \"result\": [{\"rtt\": 1.0}]}}",
			i ? ", " : "", w->idx, ++w->seq, (long long)now,
			jobs[i].dst, jobs[i].id, jobs[i].dst) == -1)
			return -1;
	return buf_puts(&w->body, "]");
}

static size_t
round_pg(struct worker *w, struct job *jobs)
{
	char id[24], lim[16];
	const char *vals[2] = { id, lim };
	PGresult *res;
	size_t i, n;

	snprintf(id, sizeof(id), "%" PRId64, w->worker_id);
	snprintf(lim, sizeof(lim), "%d", w->o->batch);
	if ((res = pg_exec(w, SQL_CLAIM, 2, vals)) == NULL)
		return 0;
	n = (size_t)PQntuples(res);
	for (i = 0; i < n; i++) {
		jobs[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		snprintf(jobs[i].dst, sizeof(jobs[i].dst), "%s",
		    PQgetvalue(res, i, 1));
	}
	PQclear(res);
	if (n == 0)
		return 0;
	w->claimed += n;
	if (make_rows(w, jobs, n) == -1)
		return 0;
	w->sent += n;
	vals[0] = buf_str(&w->body);
	vals[1] = id;
	if ((res = pg_exec(w, SQL_STORE, 2, vals)) == NULL) {
		w->unacked += n;
		return n;
	}
	w->stored += n;
	PQclear(res);
	return n;
}

static int
worker_open(struct worker *w)
{
	if (w->o->pg != NULL) {
		w->pg = PQconnectdb(w->o->pg);
		if (PQstatus(w->pg) != CONNECTION_OK) {
			fprintf(stderr, "load: %s", PQerrorMessage(w->pg));
			return -1;
		}
		return 0;
	}
	if ((w->curl = curl_easy_init()) == NULL)
		return -1;
	/*
	 * The gateway's certificate only: libcurl would otherwise also read
	 * every certificate of the system's CA directory at each connection,
	 * which with hundreds of threads connecting at once costs the shared
	 * CPU seconds that the gateway's latency was then blamed for.
	 */
	curl_easy_setopt(w->curl, CURLOPT_CAINFO, w->o->cacert);
	curl_easy_setopt(w->curl, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &w->reply);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	return 0;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct job *jobs;

	if ((jobs = calloc((size_t)w->o->batch, sizeof(*jobs))) == NULL)
		return NULL;
	while (now_s() < w->deadline) {
		if ((w->o->pg ? round_pg(w, jobs) : round_gateway(w, jobs)) ==
		    0)
			usleep(20000); /* nothing to do: as an idle worker */
	}
	free(jobs);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The 'q' quantile of 'v' (sorted in place), 0 when empty. */
static double
quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0.0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (size_t)((double)n * q);
	return v[i < n ? i : n - 1];
}

/*
 * The latencies of every worker in one array: of every request, or of
 * those that opened a connection ('connects').  The caller frees it.
 */
static double *
gather(struct worker *ws, int n, int connects, size_t *out_n)
{
	size_t total = 0, i;
	double *all;
	int k;

	for (k = 0; k < n; k++)
		total += connects ? ws[k].nclat : ws[k].nlat;
	if ((all = calloc(total + 1, sizeof(*all))) == NULL)
		exit(1);
	for (total = 0, k = 0; k < n; k++) {
		const double *v = connects ? ws[k].clat : ws[k].lat;
		size_t m = connects ? ws[k].nclat : ws[k].nlat;

		for (i = 0; i < m; i++)
			all[total++] = v[i];
	}
	*out_n = total;
	return all;
}

static void
report(struct worker *ws, int n, double elapsed)
{
	uint64_t t[11] = { 0 };
	size_t nlat, nclat;
	double *all, *conn;
	int k;

	for (k = 0; k < n; k++) {
		struct worker *w = &ws[k];

		t[0] += w->requests, t[1] += w->errors, t[2] += w->retries;
		t[3] += w->claimed, t[4] += w->sent, t[5] += w->stored;
		t[6] += w->dups, t[7] += w->unacked;
		t[8] += w->err_transport;
		t[9] += w->err_4xx;
		t[10] += w->err_5xx;
	}
	all = gather(ws, n, 0, &nlat);
	conn = gather(ws, n, 1, &nclat);
	printf("requests %" PRIu64 "\nerrors %" PRIu64 "\nretries %" PRIu64
	       "\njobs_claimed %" PRIu64 "\nresults_sent %" PRIu64
	       "\nresults_stored %" PRIu64 "\nduplicates %" PRIu64
	       "\nunacked %" PRIu64 "\n",
	    t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
	printf("errors_transport %" PRIu64 "\nerrors_4xx %" PRIu64
	       "\nerrors_5xx %" PRIu64 "\n",
	    t[8], t[9], t[10]);
	printf("elapsed_s %.3f\nlat_p50_ms %.3f\nlat_p99_ms %.3f\n", elapsed,
	    quantile(all, nlat, 0.5), quantile(all, nlat, 0.99));
	/* Requests that opened a connection: TCP and TLS handshakes. */
	printf("connects %zu\nlat_connect_p50_ms %.3f\nlat_connect_max_ms "
	       "%.3f\n",
	    nclat, quantile(conn, nclat, 0.5), quantile(conn, nclat, 1.0));
	free(all);
	free(conn);
}

static int
read_tokens(const char *path, struct worker *ws, int n)
{
	FILE *f;
	char line[256];
	int k = 0;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (k < n && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		snprintf(ws[k].token, sizeof(ws[k].token), "%s", line);
		ws[k].worker_id = strtoll(line, NULL, 10);
		k++;
	}
	fclose(f);
	if (k < n) {
		fprintf(
		    stderr, "load: %s: %d tokens for %d workers\n", path, k, n);
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o, const char **tokens)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--url") == 0)
			o->url = argv[i + 1];
		else if (strcmp(argv[i], "--cacert") == 0)
			o->cacert = argv[i + 1];
		else if (strcmp(argv[i], "--pg") == 0)
			o->pg = argv[i + 1];
		else if (strcmp(argv[i], "--tokens") == 0)
			*tokens = argv[i + 1];
		else if (strcmp(argv[i], "--workers") == 0)
			o->workers = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seconds") == 0)
			o->seconds = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--batch") == 0)
			o->batch = atoi(argv[i + 1]);
		else
			return -1;
	}
	if (i != argc || *tokens == NULL ||
	    (o->pg == NULL && (o->url == NULL || o->cacert == NULL)) ||
	    o->workers < 1 || o->workers > MAX_WORKERS || o->seconds < 1 ||
	    o->batch < 1 || o->batch > 1000)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { NULL, NULL, NULL, 200, 300, 10 };
	const char *tokens = NULL;
	struct worker *ws;
	pthread_t *th;
	double t0, deadline;
	int k, rc = 0;

	if (parse_args(argc, argv, &o, &tokens) == -1) {
		fprintf(stderr,
		    "usage: load --tokens FILE (--url URL --cacert FILE | --pg "
		    "CONNINFO) [--workers N] [--seconds S] [--batch K]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	ws = calloc((size_t)o.workers, sizeof(*ws));
	th = calloc((size_t)o.workers, sizeof(*th));
	if (ws == NULL || th == NULL || read_tokens(tokens, ws, o.workers))
		return 1;
	for (k = 0; k < o.workers; k++) {
		ws[k].o = &o;
		ws[k].idx = k;
		if (worker_open(&ws[k]) == -1)
			return 1;
	}
	t0 = now_s();
	deadline = t0 + o.seconds;
	for (k = 0; k < o.workers; k++) {
		ws[k].deadline = deadline;
		if (pthread_create(&th[k], NULL, worker_run, &ws[k]) != 0) {
			fprintf(stderr, "load: cannot start thread %d\n", k);
			return 1;
		}
	}
	for (k = 0; k < o.workers; k++)
		pthread_join(th[k], NULL);
	report(ws, o.workers, now_s() - t0);
	for (k = 0; k < o.workers; k++) {
		if (ws[k].curl)
			curl_easy_cleanup(ws[k].curl);
		if (ws[k].pg)
			PQfinish(ws[k].pg);
		buf_free(&ws[k].body);
		buf_free(&ws[k].reply);
		free(ws[k].lat);
		free(ws[k].clat);
	}
	free(ws);
	free(th);
	curl_global_cleanup();
	return rc;
}
