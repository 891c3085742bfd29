/*
 * api.c --
 *	The endpoints (see api.h and README.md for the contracts).
 *
 *	Every statement is prepared once per connection (api_prepare) and
 *	run with $n parameters.  Each handler answers with a JSON body; a
 *	database failure becomes 503 + Retry-After when the connection broke
 *	or the failure is transient (deadlock, serialisation, shutdown), else
 *	500; the database's words go to the log only.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "db.h"
#include "job.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "submit_parse.h"
#include "token.h"

static const struct {
	const char *name, *sql;
} stmts[] = {
	{ "auth",
	    "SELECT token_hash, name, caps::text, enabled,"
	    "       coalesce(scope_protos, caps)::text, scope_kinds::text,"
	    "       scope_prefixes::text, rate_per_min"
	    "  FROM pingsvc.workers WHERE worker_id = $1" },
	/*
	 * Results delivered (the silent-worker flag reads last_result_at),
	 * and the worker seen, in one statement after the commit.
	 */
	{ "delivered",
	    "UPDATE pingsvc.workers"
	    "   SET last_result_at = now(), last_seen = now()"
	    " WHERE worker_id = $1"
	    "   AND (last_result_at IS NULL"
	    "        OR last_result_at < now() - interval '5 s'"
	    "        OR last_seen IS NULL"
	    "        OR last_seen < now() - interval '5 s')" },
	/*
	 * Rate cap: fixed one-minute windows.  Runs last in the submit's
	 * transaction (the row lock is held briefly); over the cap, the
	 * transaction is rolled back, so refused results do not count.
	 */
	{ "rate",
	    "UPDATE pingsvc.workers"
	    "   SET rate_count = CASE WHEN rate_window = date_trunc('minute', "
	    "now())"
	    "                         THEN rate_count ELSE 0 END + $2::int,"
	    "       rate_window = date_trunc('minute', now())"
	    " WHERE worker_id = $1"
	    " RETURNING rate_count <= coalesce(rate_per_min, 2147483647),"
	    "   60 - floor(extract(epoch FROM now() -"
	    "                      date_trunc('minute', now())))::int" },
	{ "silent",
	    "SELECT count(*) FROM pingsvc.silent_workers_after("
	    "make_interval(secs => $1::int))" },
	{ "touch",
	    "UPDATE pingsvc.workers SET last_seen = now()"
	    " WHERE worker_id = $1"
	    "   AND (last_seen IS NULL OR last_seen < now() - interval '5 "
	    "s')" },
	/*
	 * Expired leases go back to the queue, or fail after max_attempts.
	 * SKIP LOCKED: another gateway doing the same skips these rows.
	 */
	{ "expire",
	    "UPDATE pingsvc.jobs j"
	    "   SET state = CASE WHEN j.attempts >= j.max_attempts"
	    "                    THEN 'failed' ELSE 'ready' END,"
	    "       leased_at = NULL, lease_expires = NULL,"
	    "       done_at = CASE WHEN j.attempts >= j.max_attempts"
	    "                      THEN now() END,"
	    "       last_error = 'lease expired'"
	    " WHERE j.job_id = ANY (ARRAY("
	    "   SELECT job_id FROM pingsvc.jobs"
	    "    WHERE state = 'leased' AND lease_expires <= now()"
	    "    ORDER BY lease_expires LIMIT 1000"
	    "      FOR UPDATE SKIP LOCKED))" },
	/*
	 * One statement leases up to $2 ready jobs: rows another gateway
	 * has locked are skipped, never waited on, so no job is handed out
	 * twice and claims do not queue behind each other.  A job whose
	 * params name a vantage (the frontier's traceroutes, for vantage
	 * diversity) goes to that worker only.
	 */
	{ "claim",
	    "WITH seen AS ("
	    "  UPDATE pingsvc.workers SET last_seen = now()"
	    "   WHERE worker_id = $1"
	    "     AND (last_seen IS NULL"
	    "          OR last_seen < now() - interval '5 s'))"
	    "UPDATE pingsvc.jobs j"
	    "   SET state = 'leased', worker_id = $1, leased_at = now(),"
	    "       lease_expires = now() + make_interval(secs => $3::int),"
	    "       attempts = j.attempts + 1,"
	    "       lessees = CASE WHEN $1 = ANY (j.lessees) THEN j.lessees"
	    "                 ELSE j.lessees || $1::bigint END"
	    " WHERE j.job_id = ANY (ARRAY("
	    "   SELECT job_id FROM pingsvc.jobs"
	    "    WHERE state = 'ready' AND not_before <= now()"
	    "      AND attempts < max_attempts"
	    "      AND required_cap = ANY ($4::text[])"
	    "      AND proto = ANY ($5::text[]) AND kind = ANY ($6::text[])"
	    "      AND ($7::cidr[] IS NULL OR target <<= ANY ($7::cidr[]))"
	    "      AND (params->>'vantage' IS NULL OR params->>'vantage' = "
	    "           (SELECT name FROM pingsvc.workers"
	    "             WHERE worker_id = $1))"
	    "    ORDER BY priority DESC, job_id"
	    "    LIMIT $2 FOR UPDATE SKIP LOCKED))"
	    " RETURNING jsonb_strip_nulls(j.params || jsonb_build_object("
	    "   'job_id', j.job_id, 'type', j.kind,"
	    "   'dst_addr', host(j.target), 'proto', upper(j.proto),"
	    "   'port', j.port, 'paris_id', j.paris_id,"
	    "   'lease_expires',"
	    "   floor(extract(epoch FROM j.lease_expires))::bigint))::text" },
	/*
	 * Reported capabilities are kept as reported, and clamped to the
	 * enrolled scope_protos for use: a heartbeat can narrow caps, never
	 * widen them.  (SET expressions see the old row.)
	 */
	{ "heartbeat",
	    "UPDATE pingsvc.workers"
	    "   SET last_seen = now(), version = coalesce($2, version),"
	    "       spool_depth = coalesce($3::int, spool_depth),"
	    "       clock_offset_ms = coalesce($4::float8, clock_offset_ms),"
	    "       reported_caps = coalesce($5::text[], reported_caps),"
	    "       scope_protos = coalesce(scope_protos, caps),"
	    "       caps = CASE WHEN $5::text[] IS NULL THEN caps"
	    "              ELSE ARRAY(SELECT p FROM unnest(ARRAY['icmp',"
	    "                     'udp', 'tcp']) AS p"
	    "                   WHERE p = ANY ($5::text[])"
	    "                     AND p = ANY (coalesce(scope_protos, caps)))"
	    "              END"
	    " WHERE worker_id = $1"
	    " RETURNING caps" },
	/*
	 * Days (as epoch s) lacking a partition of some partitioned table:
	 * 'o' too old (its partition would already be dropped: the day ends
	 * before now() - retention), 'f' in the future (beyond today + 1),
	 * 'm' missing but retained (a late result: make the partition).
	 * Then the retention of results, for the message.
	 */
	{ "partcheck",
	    "SELECT u.t,"
	    "       CASE WHEN bool_or(c.retention IS NOT NULL"
	    "                 AND to_timestamp(u.t) + c.granularity"
	    "                     <= now() - c.retention) THEN 'o'"
	    "            WHEN to_timestamp(u.t) > now() + interval '1 day'"
	    "            THEN 'f' ELSE 'm' END,"
	    "       (SELECT coalesce(extract(day FROM retention)::text, '')"
	    "          FROM pingsvc.partition_config"
	    "         WHERE parent = 'results')"
	    "  FROM unnest($1::bigint[]) AS u(t), pingsvc.partition_config c"
	    " WHERE NOT EXISTS (SELECT 1 FROM pingsvc.partitions p"
	    "                    WHERE p.parent = c.parent"
	    "                      AND p.range_from <= to_timestamp(u.t)"
	    "                      AND p.range_to > to_timestamp(u.t))"
	    " GROUP BY u.t" },
	{ "mkpart",
	    "SELECT count(*) FROM pingsvc.ensure_partitions("
	    "to_timestamp($1::bigint), to_timestamp($1::bigint))" },
	/*
	 * A job answers to every worker that ever leased it: a result that
	 * arrives after its lease expired (the worker was cut off, its spool
	 * delivers later) is a real measurement, stored even though the job
	 * has moved on to another worker meanwhile.
	 */
	{ "jobs_lock",
	    "SELECT job_id, $2::bigint = ANY (lessees) OR worker_id = $2"
	    "  FROM pingsvc.jobs"
	    " WHERE job_id = ANY ($1::bigint[]) ORDER BY job_id FOR UPDATE" },
	{ "jobs_done",
	    "UPDATE pingsvc.jobs SET state = 'done', done_at = now(),"
	    "       worker_id = $2, leased_at = NULL, lease_expires = NULL"
	    " WHERE job_id = ANY ($1::bigint[])"
	    "   AND (worker_id = $2 OR $2 = ANY (lessees))"
	    "   AND state <> 'done'" },
};

int
api_prepare(PGconn *c, struct errbuf *eb)
{
	PGresult *res;
	size_t i;

	for (i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		res = PQprepare(c, stmts[i].name, stmts[i].sql, 0, NULL);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			errbuf_set(eb, "prepare %s: %s", stmts[i].name,
			    res != NULL ? PQresultErrorMessage(res)
					: PQerrorMessage(c));
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	return 0;
}

void
api_error(struct api_reply *r, int status, const char *code, const char *detail)
{
	struct json_out j;

	r->status = status;
	buf_reset(&r->body);
	if (json_out_init(&j, &r->body) == 0) {
		if (json_out_open(&j, NULL, 0) == -1 ||
		    json_out_str(&j, "error", code) == -1 ||
		    json_out_str(&j, "detail", detail) == -1 ||
		    json_out_close(&j, 0) == -1)
			buf_reset(&r->body);
		json_out_free(&j);
	}
}

void
api_db_error(struct api_reply *r, PGconn *c, const char *sqlstate,
    const struct errbuf *eb)
{
	metrics_add(M_DB_ERRORS, 1);
	LOG(LOG_LVL_WARN, "%s", errbuf_msg(eb));
	if (PQstatus(c) != CONNECTION_OK ||
	    (sqlstate != NULL &&
		(strncmp(sqlstate, "40", 2) == 0 ||
		    strncmp(sqlstate, "57", 2) == 0 ||
		    strncmp(sqlstate, "08", 2) == 0 ||
		    strcmp(sqlstate, "55P03") == 0))) {
		r->retry_after = 1;
		api_error(r, 503, "unavailable",
		    "the database is unavailable; retry later");
		return;
	}
	api_error(r, 500, "internal", "database error; see the gateway log");
}

int
api_auth(PGconn *c, const char *token, struct api_worker *w, struct errbuf *eb)
{
	static const unsigned char dummy[TOKEN_HASH_BYTES];
	unsigned char want[TOKEN_HASH_BYTES], got[TOKEN_HASH_BYTES];
	const char *secret, *vals[1];
	char idtext[24];
	PGresult *res = NULL;
	int64_t id;
	int rc = 0, found;

	memset(w, 0, sizeof(*w));
	if (token_parse(token, &id, &secret) == -1)
		return 0;
	snprintf(idtext, sizeof(idtext), "%" PRId64, id);
	vals[0] = idtext;
	if ((res = db_exec_prepared(c, "auth", 1, vals, NULL, eb)) == NULL)
		return -1;
	found = PQntuples(res) == 1 &&
	    token_hash_from_bytea(PQgetvalue(res, 0, 0), want) == 0;
	if (token_hash(secret, strlen(secret), got) == -1) {
		errbuf_set(eb, "sha256 failed");
		rc = -1;
		goto out;
	}
	/* Compare even when not found, so timing tells nothing. */
	if (token_equal(found ? want : dummy, got) && found &&
	    strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		w->id = id;
		snprintf(w->name, sizeof(w->name), "%s", PQgetvalue(res, 0, 1));
		snprintf(w->caps, sizeof(w->caps), "%s", PQgetvalue(res, 0, 2));
		snprintf(
		    w->protos, sizeof(w->protos), "%s", PQgetvalue(res, 0, 4));
		snprintf(
		    w->kinds, sizeof(w->kinds), "%s", PQgetvalue(res, 0, 5));
		w->scope.protos = scope_protos_from_lit(w->protos);
		w->scope.kinds = scope_kinds_from_lit(w->kinds);
		w->scope.rate_per_min =
		    PQgetisnull(res, 0, 7) ? 0 : atoi(PQgetvalue(res, 0, 7));
		if (!PQgetisnull(res, 0, 6) &&
		    scope_prefixes_from_lit(
			&w->scope, PQgetvalue(res, 0, 6), eb) == -1) {
			scope_free(&w->scope);
			rc = -1;
			goto out;
		}
		rc = 1;
	}
out:
	PQclear(res);
	return rc;
}

void
api_worker_free(struct api_worker *w)
{
	scope_free(&w->scope);
}

/* Run 'stmt' ("touch", "delivered") on the worker; failures are logged. */
static void
touch_stmt(PGconn *c, const struct api_worker *w, const char *stmt)
{
	struct errbuf eb;
	char idtext[24];
	const char *vals[1];
	PGresult *res;

	snprintf(idtext, sizeof(idtext), "%" PRId64, w->id);
	vals[0] = idtext;
	if ((res = db_exec_prepared(c, stmt, 1, vals, NULL, &eb)) == NULL)
		LOG(LOG_LVL_WARN, "%s of worker %s: %s", stmt, w->name,
		    errbuf_msg(&eb));
	PQclear(res);
}

static void
touch(PGconn *c, const struct api_worker *w)
{
	touch_stmt(c, w, "touch");
}

/* Is 'cap' in the array literal 'caps' ("{icmp,udp}")? */
static int
has_cap(const char *caps, const char *cap)
{
	size_t n = strlen(cap);
	const char *p;

	for (p = caps; (p = strstr(p, cap)) != NULL; p += n)
		if (p > caps && (p[-1] == '{' || p[-1] == ',') &&
		    (p[n] == '}' || p[n] == ','))
			return 1;
	return 0;
}

/*
 * Parse an optional JSON object body ("" or blanks: no fields).  Returns
 * the tree, or NULL with '*empty' set for an empty body, or NULL with 'r'
 * set to the 400 answer.
 */
static yajl_val
object_body(const char *body, size_t len, int *empty, struct api_reply *r)
{
	struct errbuf eb;
	yajl_val v;
	size_t i;

	*empty = 0;
	for (i = 0; i < len && strchr(" \t\r\n", body[i]) != NULL; i++)
		;
	if (i == len) {
		*empty = 1;
		return NULL;
	}
	if ((v = json_parse(body, len, &eb)) == NULL) {
		submit_json_error(body, len, &eb);
		api_error(r, 400, "bad_request", errbuf_msg(&eb));
		return NULL;
	}
	if (!YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		api_error(
		    r, 400, "bad_request", "the body must be a JSON object");
		return NULL;
	}
	return v;
}

/*
 * Turn a caps JSON array into an array literal, keeping only those in
 * 'allowed' (an array literal; NULL: all).
 */
static int
caps_from_json(yajl_val arr, const char *allowed, char *out, size_t size,
    struct errbuf *eb)
{
	static const char *const known[] = { "icmp", "udp", "tcp" };
	int want[3] = { 0, 0, 0 };
	const char *s;
	size_t i, k, used;

	if (!YAJL_IS_ARRAY(arr))
		return errbuf_set(eb, "\"caps\": must be an array of strings");
	for (i = 0; i < arr->u.array.len; i++) {
		if (!YAJL_IS_STRING(arr->u.array.values[i]))
			return errbuf_set(
			    eb, "\"caps\"[%zu]: must be a string", i);
		s = arr->u.array.values[i]->u.string;
		for (k = 0; k < 3; k++)
			if (strcmp(s, known[k]) == 0)
				break;
		if (k == 3)
			return errbuf_set(
			    eb, "\"caps\"[%zu]: not icmp, udp or tcp", i);
		want[k] = 1;
	}
	/* "{icmp,udp,tcp}" is 15 bytes; 'size' is at least 32. */
	used = 0;
	out[used++] = '{';
	for (k = 0; k < 3 && used + 6 < size; k++) {
		if (!want[k] ||
		    (allowed != NULL && !has_cap(allowed, known[k])))
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s",
		    used > 1 ? "," : "", known[k]);
	}
	out[used++] = '}';
	out[used] = '\0';
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Which pipeline does the database offer (store_pipeline)?  Asked at most
 * once a minute per gateway process, not on every submit.
 */
static int
db_pipeline(PGconn *c, struct errbuf *eb)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static time_t asked;
	static int known = -1;
	time_t now = time(NULL);
	int v;

	pthread_mutex_lock(&mu);
	v = known;
	if (asked != 0 && now - asked < 60 && now >= asked) {
		pthread_mutex_unlock(&mu);
		return v;
	}
	pthread_mutex_unlock(&mu);
	if ((v = store_pipeline(c, eb)) == -1)
		return -1;
	pthread_mutex_lock(&mu);
	known = v;
	asked = now;
	pthread_mutex_unlock(&mu);
	return v;
}

void
api_claim(PGconn *c, const struct api_limits *lim, const struct api_worker *w,
    const char *body, size_t len, struct api_reply *r)
{
	struct errbuf eb, jeb;
	struct json_out j;
	struct job job;
	PGresult *res = NULL;
	yajl_val v = NULL, jv, caps;
	char sqlstate[6], idtext[24], maxtext[24], leasetext[24];
	char capsarr[32];
	const char *vals[7];
	int64_t max = lim->claim_max;
	int empty, jinit = 0, i, handed = 0;

	v = object_body(body, len, &empty, r);
	if (v == NULL && !empty)
		return;
	if (v != NULL) {
		if (json_int(v, "max", 0, lim->claim_max, 1, INT32_MAX, &max,
			&eb) == -1) {
			api_error(r, 400, "bad_request", errbuf_msg(&eb));
			goto out;
		}
		if (max > lim->claim_max)
			max = lim->claim_max;
	}
	snprintf(capsarr, sizeof(capsarr), "%s", w->caps);
	if (v != NULL && (caps = json_get(v, "caps")) != NULL &&
	    caps_from_json(caps, w->caps, capsarr, sizeof(capsarr), &eb) ==
		-1) {
		api_error(r, 400, "bad_request", errbuf_msg(&eb));
		goto out;
	}
	/* last_seen is refreshed by the claim statement itself. */
	if ((res = db_exec_prepared(c, "expire", 0, NULL, sqlstate, &eb)) ==
	    NULL) {
		api_db_error(r, c, sqlstate, &eb);
		goto out;
	}
	PQclear(res);
	snprintf(idtext, sizeof(idtext), "%" PRId64, w->id);
	snprintf(maxtext, sizeof(maxtext), "%" PRId64, max);
	snprintf(leasetext, sizeof(leasetext), "%d", lim->lease_s);
	vals[0] = idtext;
	vals[1] = maxtext;
	vals[2] = leasetext;
	vals[3] = capsarr;
	vals[4] = w->protos;
	vals[5] = w->kinds;
	vals[6] = w->scope.prefixes_lit; /* NULL: any target */
	if ((res = db_exec_prepared(c, "claim", 7, vals, sqlstate, &eb)) ==
	    NULL) {
		api_db_error(r, c, sqlstate, &eb);
		goto out;
	}
	buf_reset(&r->body);
	if (json_out_init(&j, &r->body) == -1)
		goto nomem;
	jinit = 1;
	if (json_out_open(&j, NULL, 0) == -1 ||
	    json_out_key(&j, "jobs") == -1 || json_out_open(&j, NULL, 1) == -1)
		goto nomem;
	for (i = 0; i < PQntuples(res); i++) {
		const char *text = PQgetvalue(res, i, 0);

		/*
		 * The one job decoder checks what the frontier wrote; a job
		 * it refuses stays leased, expires and fails after
		 * max_attempts, and the log says why.
		 */
		if ((jv = json_parse(text, strlen(text), &jeb)) == NULL ||
		    job_decode(jv, &job, &jeb) == -1) {
			LOG(LOG_LVL_ERROR, "invalid job in the queue: %s: %s",
			    errbuf_msg(&jeb), text);
			yajl_tree_free(jv);
			continue;
		}
		yajl_tree_free(jv);
		if (job_encode(&job, &j) == -1)
			goto nomem;
		handed++;
	}
	if (json_out_close(&j, 1) == -1 ||
	    json_out_double(&j, "server_time", now_s()) == -1 ||
	    json_out_int(&j, "lease_s", lim->lease_s) == -1 ||
	    json_out_close(&j, 0) == -1)
		goto nomem;
	metrics_add(M_JOBS_HANDED_OUT, handed);
	r->status = 200;
	goto out;
nomem:
	api_error(r, 500, "internal", "out of memory");
out:
	if (jinit)
		json_out_free(&j);
	PQclear(res);
	yajl_tree_free(v);
}

/* "caps": [...] of an array literal of protocol names. */
static int
caps_out(struct json_out *j, const char *lit)
{
	static const char *const known[] = { "icmp", "udp", "tcp" };
	unsigned set = scope_protos_from_lit(lit);
	size_t k;

	if (json_out_open(j, "caps", 1) == -1)
		return -1;
	for (k = 0; k < 3; k++)
		if ((set & (1u << k)) && json_out_str(j, NULL, known[k]) == -1)
			return -1;
	return json_out_close(j, 1);
}

void
api_heartbeat(PGconn *c, const struct api_worker *w, const char *body,
    size_t len, struct api_reply *r)
{
	struct errbuf eb;
	struct json_out j;
	PGresult *res = NULL;
	yajl_val v = NULL, caps;
	const char *version = NULL, *vals[5];
	char idtext[24], spool[24], offset[40], capsarr[32], sqlstate[6];
	int64_t depth = -1;
	double off = NAN, t = NAN;
	int empty;

	v = object_body(body, len, &empty, r);
	if (v == NULL && !empty)
		return;
	vals[1] = vals[2] = vals[3] = vals[4] = NULL;
	if (v != NULL) {
		if (json_str(v, "version", 0, NULL, 64, &version, &eb) == -1 ||
		    json_int(v, "spool_depth", 0, -1, 0, INT32_MAX, &depth,
			&eb) == -1 ||
		    json_double(v, "clock_offset_ms", 0, NAN, -31622400000.0,
			31622400000.0, &off, &eb) == -1 ||
		    json_double(v, "time", 0, NAN, 0, 4102444800.0, &t, &eb) ==
			-1) {
			api_error(r, 400, "bad_request", errbuf_msg(&eb));
			goto out;
		}
		if (version != NULL && *version == '\0') {
			api_error(r, 400, "bad_request", "\"version\": empty");
			goto out;
		}
		if ((caps = json_get(v, "caps")) != NULL) {
			if (caps_from_json(caps, NULL, capsarr, sizeof(capsarr),
				&eb) == -1) {
				api_error(
				    r, 400, "bad_request", errbuf_msg(&eb));
				goto out;
			}
			vals[4] = capsarr;
		}
		/* The worker's clock ("time") against ours, when given. */
		if (isnan(off) && !isnan(t))
			off = (t - now_s()) * 1000.0;
		vals[1] = version;
		if (depth >= 0) {
			snprintf(spool, sizeof(spool), "%" PRId64, depth);
			vals[2] = spool;
		}
		if (!isnan(off)) {
			snprintf(offset, sizeof(offset), "%.3f", off);
			vals[3] = offset;
		}
	}
	snprintf(idtext, sizeof(idtext), "%" PRId64, w->id);
	vals[0] = idtext;
	if ((res = db_exec_prepared(c, "heartbeat", 5, vals, sqlstate, &eb)) ==
	    NULL) {
		api_db_error(r, c, sqlstate, &eb);
		goto out;
	}
	buf_reset(&r->body);
	if (json_out_init(&j, &r->body) == -1) {
		api_error(r, 500, "internal", "out of memory");
		goto out;
	}
	/* "caps": what the worker may use now, after the clamp. */
	if (json_out_open(&j, NULL, 0) == -1 ||
	    json_out_str(&j, "worker", w->name) == -1 ||
	    json_out_double(&j, "server_time", now_s()) == -1 ||
	    caps_out(&j, PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "{}") ==
		-1 ||
	    json_out_close(&j, 0) == -1)
		api_error(r, 500, "internal", "out of memory");
	else
		r->status = 200;
	json_out_free(&j);
out:
	PQclear(res);
	yajl_tree_free(v);
}

void
api_healthz(PGconn *c, struct api_reply *r)
{
	struct errbuf eb;
	PGresult *res;

	if ((res = db_exec(c, "SELECT 1", 0, NULL, NULL, &eb)) == NULL) {
		metrics_add(M_DB_ERRORS, 1);
		r->retry_after = 1;
		api_error(
		    r, 503, "unavailable", "the database does not answer");
		return;
	}
	PQclear(res);
	r->status = 200;
	buf_reset(&r->body);
	if (buf_puts(&r->body, "{\"status\":\"ok\"}") == -1)
		api_error(r, 500, "internal", "out of memory");
}

/* "{1,2,3}" of the given numbers. */
static int
id_array(struct buf *b, const int64_t *ids, size_t n)
{
	size_t i;

	if (buf_puts(b, "{") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_printf(b, "%s%" PRId64, i > 0 ? "," : "", ids[i]) == -1)
			return -1;
	return buf_puts(b, "}");
}

/* Partitions made for late results per submit, at most. */
#define MAX_MADE_DAYS 31

/*
 * After an insert failed with check_violation: find the results stamped
 * on a day without partitions.  Too old (the partition is beyond the
 * retention) or in the future (a clock ahead): answer 422 naming the first
 * such item, and count the too-old ones.  Missing but retained (a late
 * result whose day no partition was made for), when 'make' is set: make
 * the partitions (ensure_partitions) so that the caller retries.  Returns
 * 0 (none such), 1 (answered), 2 (partitions made), -1 (db error).  The
 * check scans the catalog, so it runs only then, not on every submit.
 */
static int
check_partitions(PGconn *c, const struct submit_batch *b, int make,
    struct api_reply *r, char *sqlstate, struct errbuf *eb)
{
	struct buf days = BUF_INIT, extra = BUF_INIT;
	PGresult *res = NULL, *mk;
	const char *vals[1];
	char detail[512], day[16], daytext[24];
	int64_t *d = NULL, ts;
	long long old = 0;
	size_t i;
	int rc = -1, row, *cls = NULL, first = -1, nmissing = 0;
	struct tm tm;
	time_t tt;

	if ((d = calloc(b->n, sizeof(*d))) == NULL ||
	    (cls = calloc(b->n, sizeof(*cls))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	for (i = 0; i < b->n; i++) {
		ts = b->results[i]->timestamp;
		d[i] = (ts >= 0 ? ts / 86400 : (ts - 86399) / 86400) * 86400;
	}
	if (id_array(&days, d, b->n) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	vals[0] = buf_str(&days);
	if ((res = db_exec_prepared(c, "partcheck", 1, vals, sqlstate, eb)) ==
	    NULL)
		goto out;
	/* Each item's class: 0 fine, 'o', 'f' or 'm'. */
	for (i = 0; i < b->n; i++) {
		for (row = 0; row < PQntuples(res); row++)
			if (strtoll(PQgetvalue(res, row, 0), NULL, 10) == d[i])
				break;
		if (row == PQntuples(res))
			continue;
		cls[i] = PQgetvalue(res, row, 1)[0];
		if (cls[i] == 'o')
			old++;
		if (cls[i] != 'm' && first == -1)
			first = (int)i;
	}
	for (row = 0; row < PQntuples(res); row++)
		if (PQgetvalue(res, row, 1)[0] == 'm')
			nmissing++;
	rc = 0;
	if (first >= 0) {
		ts = b->results[first]->timestamp;
		tt = (time_t)ts;
		if (gmtime_r(&tt, &tm) == NULL ||
		    strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
			snprintf(day, sizeof(day), "%" PRId64, ts);
		if (old > 1 &&
		    buf_printf(&extra, "; %lld results are too old", old) ==
			-1) {
			errbuf_set(eb, "out of memory");
			rc = -1;
			goto out;
		}
		if (cls[first] == 'o')
			snprintf(detail, sizeof(detail),
			    "results[%d]: measured %s, older than the "
			    "retained partitions (%s days)%s",
			    first, day, PQgetvalue(res, 0, 2), buf_str(&extra));
		else
			snprintf(detail, sizeof(detail),
			    "results[%d]: \"timestamp\": %" PRId64
			    " (%s) falls on a day the database keeps no "
			    "partition for yet (clock ahead?)%s",
			    first, ts, day, buf_str(&extra));
		metrics_add(M_RESULTS_TOO_OLD, old);
		api_error(r, 422, "unprocessable", detail);
		rc = 1;
		goto out;
	}
	if (nmissing == 0 || !make || nmissing > MAX_MADE_DAYS)
		goto out;
	/* Late results within the retention: make their days. */
	for (row = 0; row < PQntuples(res); row++) {
		if (PQgetvalue(res, row, 1)[0] != 'm')
			continue;
		snprintf(
		    daytext, sizeof(daytext), "%s", PQgetvalue(res, row, 0));
		vals[0] = daytext;
		if ((mk = db_exec_prepared(
			 c, "mkpart", 1, vals, sqlstate, eb)) == NULL) {
			rc = -1;
			goto out;
		}
		PQclear(mk);
		LOG(LOG_LVL_INFO,
		    "made the partitions of day %s for late results", daytext);
	}
	rc = 2;
out:
	PQclear(res);
	buf_free(&days);
	buf_free(&extra);
	free(d);
	free(cls);
	return rc;
}

/*
 * Lock the jobs the results answer and check that each is this worker's.
 * '*ids_out' gets their array literal.  Returns 0, 1 (answered 409), -1
 * (db error).
 */
static int
check_jobs(PGconn *c, const struct api_worker *w, const struct submit_batch *b,
    struct buf *ids_out, struct api_reply *r, char *sqlstate, struct errbuf *eb)
{
	PGresult *res = NULL;
	const char *vals[2];
	char detail[256], me[24];
	int64_t *ids = NULL, id;
	size_t i, n = 0;
	int rc = -1, row, found;

	if ((ids = calloc(b->n, sizeof(*ids))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	for (i = 0; i < b->n; i++)
		if (b->results[i]->job_id >= 1)
			ids[n++] = b->results[i]->job_id;
	if (id_array(ids_out, ids, n) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if (n == 0) {
		rc = 0;
		goto out;
	}
	snprintf(me, sizeof(me), "%" PRId64, w->id);
	vals[0] = buf_str(ids_out);
	vals[1] = me;
	if ((res = db_exec_prepared(c, "jobs_lock", 2, vals, sqlstate, eb)) ==
	    NULL)
		goto out;
	rc = 0;
	for (i = 0; i < b->n && rc == 0; i++) {
		if ((id = b->results[i]->job_id) < 1)
			continue;
		found = 0;
		for (row = 0; row < PQntuples(res); row++) {
			if (strtoll(PQgetvalue(res, row, 0), NULL, 10) != id)
				continue;
			found = PQgetvalue(res, row, 1)[0] == 't' ? 1 : 2;
			break;
		}
		if (found == 1)
			continue;
		snprintf(detail, sizeof(detail),
		    "results[%zu]: \"job_id\": %" PRId64 " %s", i, id,
		    found == 0 ? "is not a job"
			       : "was not leased to this worker");
		api_error(r, 409, "conflict", detail);
		rc = 1;
	}
out:
	PQclear(res);
	free(ids);
	return rc;
}

/* The 200 answer: per-item status in request order. */
static int
submit_reply(const struct submit_batch *b, const struct store_item *items,
    const struct store_counts *counts, struct api_reply *r)
{
	struct json_out j;
	size_t i;
	int rc = -1;

	buf_reset(&r->body);
	if (json_out_init(&j, &r->body) == -1)
		return -1;
	if (json_out_open(&j, NULL, 0) == -1 ||
	    json_out_key(&j, "results") == -1 ||
	    json_out_open(&j, NULL, 1) == -1)
		goto out;
	for (i = 0; i < b->n; i++)
		if (json_out_open(&j, NULL, 0) == -1 ||
		    json_out_str(&j, "idem_key", b->results[i]->idem_key) ==
			-1 ||
		    json_out_str(&j, "status",
			items[i].status == STORE_STORED ? "stored"
							: "duplicate") == -1 ||
		    json_out_close(&j, 0) == -1)
			goto out;
	if (json_out_close(&j, 1) == -1 ||
	    json_out_int(&j, "stored", counts->stored) == -1 ||
	    json_out_int(&j, "duplicates", counts->duplicates) == -1 ||
	    json_out_close(&j, 0) == -1)
		goto out;
	r->status = 200;
	rc = 0;
out:
	json_out_free(&j);
	return rc;
}

/*
 * Count 'stored' new results against the worker's rate cap, inside the
 * submit's transaction.  Returns 0 (within), 1 (answered 403/429), -1 (db
 * error).
 */
static int
check_rate(PGconn *c, const struct api_worker *w, long long stored,
    struct api_reply *r, char *sqlstate, struct errbuf *eb)
{
	PGresult *res;
	const char *vals[2];
	char idtext[24], ntext[24], detail[256];
	int ok, wait;

	if (w->scope.rate_per_min <= 0 || stored == 0)
		return 0;
	if (stored > w->scope.rate_per_min) {
		snprintf(detail, sizeof(detail),
		    "%lld new results in one submit exceed the rate cap of "
		    "%d per minute; send at most %d per request",
		    stored, w->scope.rate_per_min, w->scope.rate_per_min);
		api_error(r, 403, "forbidden", detail);
		return 1;
	}
	snprintf(idtext, sizeof(idtext), "%" PRId64, w->id);
	snprintf(ntext, sizeof(ntext), "%lld", stored);
	vals[0] = idtext;
	vals[1] = ntext;
	if ((res = db_exec_prepared(c, "rate", 2, vals, sqlstate, eb)) == NULL)
		return -1;
	ok = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	wait = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 1)) : 60;
	PQclear(res);
	if (ok)
		return 0;
	metrics_add(M_RATE_LIMITED, 1);
	r->retry_after = wait < 1 ? 1 : wait > 60 ? 60 : wait;
	snprintf(detail, sizeof(detail),
	    "rate cap of %d new results per minute reached; retry in %d s",
	    w->scope.rate_per_min, r->retry_after);
	api_error(r, 429, "rate_limited", detail);
	return 1;
}

void
api_submit(PGconn *c, const struct api_limits *lim, const struct api_worker *w,
    const char *body, size_t len, struct api_reply *r)
{
	struct submit_batch b;
	struct store_item *items = NULL;
	struct store_counts counts;
	struct buf jobids = BUF_INIT;
	struct errbuf eb, seb;
	PGresult *res = NULL;
	const char *vals[2];
	char ns[40], sqlstate[6], me[24], detail[512];
	int pipe, intx = 0, k, attempt, seen = 0;
	size_t i;

	memset(&counts, 0, sizeof(counts));
	if (submit_parse(body, len, (size_t)lim->max_results, &b, &eb) == -1) {
		api_error(r, 400, "bad_request", errbuf_msg(&eb));
		return;
	}
	/* Outside the worker's scope: nothing is stored. */
	for (i = 0; i < b.n; i++) {
		if (scope_check(&w->scope, b.results[i], &seb) == 0)
			continue;
		snprintf(detail, sizeof(detail), "results[%zu]: %s", i,
		    errbuf_msg(&seb));
		metrics_add(M_SCOPE_REFUSED, 1);
		api_error(r, 403, "forbidden", detail);
		goto out;
	}
	if ((items = calloc(b.n, sizeof(*items))) == NULL)
		goto nomem;
	/* The worker is whoever the token says, whatever the body claims. */
	for (i = 0; i < b.n; i++) {
		free(b.results[i]->worker);
		if ((b.results[i]->worker = strdup(w->name)) == NULL)
			goto nomem;
	}
	if ((pipe = db_pipeline(c, &eb)) == -1) {
		api_db_error(r, c, NULL, &eb);
		goto out;
	}
	snprintf(ns, sizeof(ns), "worker:%" PRId64, w->id);
	snprintf(me, sizeof(me), "%" PRId64, w->id);
	/* A second attempt only after partitions were made for late results. */
	for (attempt = 0;; attempt++) {
		memset(&counts, 0, sizeof(counts));
		for (i = 0; i < b.n; i++) {
			memset(&items[i], 0, sizeof(items[i]));
			items[i].r = b.results[i];
		}
		buf_reset(&jobids);
		if (db_cmd(c, "BEGIN", 0, NULL, &eb) == -1) {
			api_db_error(r, c, NULL, &eb);
			goto out;
		}
		intx = 1;
		if ((k = check_jobs(c, w, &b, &jobids, r, sqlstate, &eb)) !=
		    0) {
			if (k == -1)
				api_db_error(r, c, sqlstate, &eb);
			goto out;
		}
		if (store_results(c, items, b.n, ns, w->id, w->name, "pingsvc",
			(enum store_pipeline)pipe, &counts, sqlstate, &eb) == 0)
			break;
		if (strcmp(sqlstate, "23514") != 0) {
			api_db_error(r, c, sqlstate, &eb);
			goto out;
		}
		/*
		 * check_violation: most likely a day without a partition.
		 * Find out which item, outside the failed transaction.
		 */
		LOG(LOG_LVL_WARN, "submit of %s: %s", w->name, errbuf_msg(&eb));
		db_rollback(c);
		intx = 0;
		k = check_partitions(c, &b, attempt == 0, r, sqlstate, &eb);
		if (k == -1)
			api_db_error(r, c, sqlstate, &eb);
		else if (k == 0)
			api_error(r, 422, "unprocessable",
			    "a result was refused by a database constraint; "
			    "see the gateway log");
		if (k != 2)
			goto out;
	}
	if ((k = check_rate(c, w, counts.stored, r, sqlstate, &eb)) != 0) {
		if (k == -1)
			api_db_error(r, c, sqlstate, &eb);
		goto out;
	}
	vals[0] = buf_str(&jobids);
	vals[1] = me;
	/* No job_id in the batch: no round trip for nothing. */
	if (strcmp(vals[0], "{}") != 0 &&
	    (res = db_exec_prepared(c, "jobs_done", 2, vals, sqlstate, &eb)) ==
		NULL) {
		api_db_error(r, c, sqlstate, &eb);
		goto out;
	}
	intx = 0;
	if (db_cmd(c, "COMMIT", 0, NULL, &eb) == -1) {
		api_db_error(r, c, NULL, &eb);
		goto out;
	}
	seen = 1;
	/*
	 * Stored and queued: a failure to derive now only leaves the traces
	 * to derive_pending() (the frontier's cycle).
	 */
	if (lim->derive_inline && pipe == STORE_ROWS_COPY &&
	    store_derive(c, items, b.n, &counts, &eb) == -1) {
		metrics_add(M_DB_ERRORS, 1);
		LOG(LOG_LVL_WARN, "submit of %s: derivation left queued: %s",
		    w->name, errbuf_msg(&eb));
	}
	touch_stmt(c, w, "delivered");
	metrics_add(M_RESULTS_STORED, counts.stored);
	metrics_add(M_RESULTS_DUPLICATE, counts.duplicates);
	if (submit_reply(&b, items, &counts, r) == -1)
		goto nomem;
	goto out;
nomem:
	api_error(r, 500, "internal", "out of memory");
out:
	if (intx)
		db_rollback(c);
	/* Refused, the worker was still seen (after the rollback). */
	if (!seen && PQstatus(c) == CONNECTION_OK)
		touch(c, w);
	PQclear(res);
	buf_free(&jobids);
	free(items);
	submit_batch_free(&b);
}

void
api_metrics(PGconn *c, int silent_after_s, struct api_reply *r)
{
	struct errbuf eb;
	PGresult *res;
	const char *vals[1];
	char after[24];

	buf_reset(&r->body);
	if (metrics_render(&r->body) == -1)
		goto nomem;
	if (c != NULL) {
		snprintf(after, sizeof(after), "%d", silent_after_s);
		vals[0] = after;
		if ((res = db_exec_prepared(c, "silent", 1, vals, NULL, &eb)) ==
		    NULL) {
			metrics_add(M_DB_ERRORS, 1);
			LOG(LOG_LVL_WARN, "silent workers: %s",
			    errbuf_msg(&eb));
		} else {
			if (buf_printf(&r->body,
				"# HELP pingsvc_ingest_silent_workers Workers "
				"seen within silent_after that delivered no "
				"result for silent_after.\n"
				"# TYPE pingsvc_ingest_silent_workers gauge\n"
				"pingsvc_ingest_silent_workers %s\n",
				PQgetvalue(res, 0, 0)) == -1) {
				PQclear(res);
				goto nomem;
			}
			PQclear(res);
		}
	}
	r->status = 200;
	return;
nomem:
	api_error(r, 500, "internal", "out of memory");
}
