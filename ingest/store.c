/*
 * store.c --
 *	Set-based storing of results (see store.h).
 *
 *	A batch travels as one jsonb parameter, an array of
 *	{"k": key, "ts": s, "type", "af", "dst", "job", "lts", "body": {...}}, so
 *	that one INSERT ... SELECT stores any number of results without a
 *	round trip per row and without building SQL text from values.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "json.h"
#include "metrics.h"
#include "rows.h"
#include "store.h"

/*
 * Keys first: only rows whose key was new get a results row.  nextval()
 * in a materialised CTE numbers each input row once; ON CONFLICT DO
 * NOTHING also drops a key repeated inside the batch.  The results rows
 * themselves, bodies included, follow with COPY (store_copy_results): the
 * bodies are parsed once, as text into jsonb, not as one large jsonb
 * array taken apart again.  The trace ids of the traceroutes that will
 * get a trace are drawn by the same statement (a duplicate's id is simply
 * not used), saving a round trip per batch.
 */
static const char SQL_KEYS[] =
    "WITH input AS MATERIALIZED ("
    "  SELECT e.ord, e.k, to_timestamp(e.ts) AS ts,"
    "         nextval('pingsvc.results_result_id_seq') AS result_id,"
    "         CASE WHEN e.want"
    "              THEN nextval('pingsvc.traces_trace_id_seq') END AS trace_id"
    "    FROM unnest($1::text[], $2::bigint[], $4::boolean[])"
    "         WITH ORDINALITY AS e(k, ts, want, ord)"
    "), keys AS ("
    "  INSERT INTO pingsvc.result_keys (namespace, idem_key, result_id, ts)"
    "  SELECT $3, k, result_id, ts FROM input ORDER BY ord"
    "  ON CONFLICT DO NOTHING"
    "  RETURNING result_id"
    ")"
    "SELECT i.ord, keys.result_id IS NOT NULL, i.result_id, i.trace_id"
    "  FROM input i LEFT JOIN keys USING (result_id)"
    " ORDER BY i.ord";

#define RESULTS_COLS                                                           \
	"(result_id, ts, worker_id, job_id, idem_key, type, af, target, body," \
	" source, lts)"

static const char SQL_PROCESS[] =
    "SELECT coalesce(sum(traces), 0), coalesce(sum(hops), 0),"
    "       coalesce(sum(links), 0), coalesce(sum(new_targets), 0),"
    "       coalesce(sum(route_changes), 0)"
    "  FROM pingsvc.process_results($1::bigint[])";

/* Same five columns as SQL_PROCESS: traces and hops were counted when copied. */
static const char SQL_DERIVE[] =
    "SELECT 0, 0, coalesce(sum(links), 0),"
    "       coalesce(sum(new_targets), 0), coalesce(sum(route_changes), 0)"
    "  FROM pingsvc.derive_traces($1::bigint[])";

/* Append 's' as a COPY text field (backslash, tab, newline escaped). */
static int
copy_text(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		const char *e = NULL;

		switch (*p) {
		case '\\':
			e = "\\\\";
			break;
		case '\t':
			e = "\\t";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		}
		if (e != NULL ? buf_puts(b, e) : buf_append(b, p, 1))
			return -1;
	}
	return 0;
}

/* An array literal element, double-quoted (keys are any text). */
static int
array_elem(struct buf *b, const char *s, int first)
{
	const char *p;

	if (buf_puts(b, first ? "\"" : ",\"") == -1)
		return -1;
	for (p = s; *p != '\0'; p++)
		if (((*p == '"' || *p == '\\') && buf_puts(b, "\\") == -1) ||
		    buf_append(b, p, 1) == -1)
			return -1;
	return buf_puts(b, "\"");
}

/*
 * The keys, timestamps and whether each gets a trace ('rows': pipeline v4)
 * as the array parameters of SQL_KEYS.
 */
static int
batch_keys(const struct store_item *items, size_t n, struct buf *keys,
    struct buf *ts, struct buf *want, int rows, const char *source,
    const char *worker)
{
	size_t i;

	if (buf_puts(keys, "{") == -1 || buf_puts(ts, "{") == -1 ||
	    buf_puts(want, "{") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (array_elem(keys, items[i].r->idem_key, i == 0) == -1 ||
		    buf_printf(ts, "%s%" PRId64, i == 0 ? "" : ",",
			items[i].r->timestamp) == -1 ||
		    buf_printf(want, "%s%s", i == 0 ? "" : ",",
			rows && rows_wanted(items[i].r, source, worker)
			    ? "t"
			    : "f") == -1)
			return -1;
	return buf_puts(keys, "}") | buf_puts(ts, "}") | buf_puts(want, "}");
}

/* One results row of COPY text for a stored item. */
static int
copy_result(struct buf *b, struct json_out *j, struct buf *body,
    const struct store_item *it, const char *wid, const char *source)
{
	const struct result *r = it->r;
	char dst[ADDR_STRLEN], ts[32];

	buf_reset(body);
	if (json_out_init(j, body) == -1)
		return -1;
	if (result_encode(r, j) == -1) {
		json_out_free(j);
		return -1;
	}
	json_out_free(j);
	if (buf_printf(b, "%" PRId64 "\t%s\t%s\t", it->result_id,
		rows_ts_text(r->timestamp, ts, sizeof(ts)), wid) == -1 ||
	    (r->job_id >= 1 ? buf_printf(b, "%" PRId64 "\t", r->job_id)
			    : buf_puts(b, "\\N\t")) == -1 ||
	    copy_text(b, r->idem_key) == -1 ||
	    buf_printf(b, "\t%s\t%d\t%s\t",
		r->type == RESULT_PING ? "ping" : "traceroute", r->af,
		addr_format(&r->dst, dst, sizeof(dst))) == -1 ||
	    copy_text(b, buf_str(body)) == -1 ||
	    buf_printf(b, "\t%s\t", source) == -1 ||
	    (r->has_lts ? buf_printf(b, "%" PRId64 "\n", r->lts)
			: buf_puts(b, "\\N\n")) == -1)
		return -1;
	return 0;
}

/* COPY the results rows of the items whose key was new. */
static int
store_copy_results(PGconn *c, const struct store_item *items, size_t n,
    int64_t worker_id, const char *source, char *sqlstate, struct errbuf *eb)
{
	struct buf data = BUF_INIT, body = BUF_INIT;
	struct json_out j;
	char wid[24];
	size_t i;
	int rc = -1, any = 0;

	if (worker_id >= 1)
		snprintf(wid, sizeof(wid), "%" PRId64, worker_id);
	else
		snprintf(wid, sizeof(wid), "\\N");
	for (i = 0; i < n; i++) {
		if (items[i].status != STORE_STORED)
			continue;
		any = 1;
		if (copy_result(&data, &j, &body, &items[i], wid, source) ==
		    -1) {
			errbuf_set(eb, "out of memory");
			goto out;
		}
	}
	rc = any
	    ? db_copy_in(c, "COPY pingsvc.results " RESULTS_COLS " FROM STDIN",
		  data.data, data.len, sqlstate, eb)
	    : 0;
out:
	buf_free(&data);
	buf_free(&body);
	return rc;
}

/*
 * The ids of the stored items as a bigint[] literal in 'out': their
 * results' ids, or with 'traces' set their traces' ids (items without a
 * trace skipped).  Returns how many, or -1 when out of memory.
 */
static int
id_array(const struct store_item *items, size_t n, int traces, struct buf *out)
{
	int64_t id;
	size_t i;
	int count = 0;

	if (buf_puts(out, "{") == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (items[i].status != STORE_STORED)
			continue;
		id = traces ? items[i].trace_id : items[i].result_id;
		if (id < 1)
			continue;
		if (buf_printf(out, "%s%" PRId64, count ? "," : "", id) == -1)
			return -1;
		count++;
	}
	return buf_puts(out, "}") == -1 ? -1 : count;
}

/*
 * Run 'sql' (SQL_PROCESS or SQL_DERIVE: one bigint[] parameter, the ids
 * id_array() gives with 'traces') on the stored items and add its row of
 * counts to 'counts'.  Nothing stored, nothing run.  'timed', when not
 * NULL, is told how long the statement took (seconds).
 */
static int
run_counts(PGconn *c, const char *sql, const char *fn,
    const struct store_item *items, size_t n, int traces,
    struct store_counts *counts, void (*timed)(double), char *sqlstate,
    struct errbuf *eb)
{
	struct buf ids = BUF_INIT;
	PGresult *res = NULL;
	const char *vals[1];
	struct timespec t0, t1;
	int nids, rc = -1;

	if ((nids = id_array(items, n, traces, &ids)) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if (nids == 0) {
		rc = 0; /* nothing new */
		goto out;
	}
	vals[0] = buf_str(&ids);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	res = db_exec(c, sql, 1, vals, sqlstate, eb);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timed != NULL)
		timed((double)(t1.tv_sec - t0.tv_sec) +
		    (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (res == NULL)
		goto out;
	if (PQntuples(res) != 1 || PQnfields(res) != 5) {
		errbuf_set(eb, "%s: unexpected result shape", fn);
		goto out;
	}
	counts->traces += strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	counts->hops += strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	counts->links += strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	counts->new_targets += strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	counts->route_changes += strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	rc = 0;
out:
	PQclear(res);
	buf_free(&ids);
	return rc;
}

static int
process(PGconn *c, const struct store_item *items, size_t n,
    struct store_counts *counts, char *sqlstate, struct errbuf *eb)
{
	return run_counts(c, SQL_PROCESS, "process_results", items, n, 0,
	    counts, metrics_process_results, sqlstate, eb);
}

static int
copy_rows(
    PGconn *c, const struct rows_out *o, char *sqlstate, struct errbuf *eb)
{
	if (db_copy_in(c, "COPY pingsvc.traces " ROWS_TRACES_COLS " FROM STDIN",
		o->traces.data, o->traces.len, sqlstate, eb) == -1 ||
	    (o->hops.len > 0 &&
		db_copy_in(c, "COPY pingsvc.hops " ROWS_HOPS_COLS " FROM STDIN",
		    o->hops.data, o->hops.len, sqlstate, eb) == -1) ||
	    db_copy_in(c,
		"COPY pingsvc.derive_queue " ROWS_QUEUE_COLS " FROM STDIN",
		o->queue.data, o->queue.len, sqlstate, eb) == -1)
		return -1;
	return 0;
}

/*
 * The traces, hops and derive_queue rows of the newly stored
 * traceroutes, built here and copied in (pipeline v4).
 */
static int
store_rows(PGconn *c, struct store_item *items, size_t n, int64_t worker_id,
    const char *worker, const char *source, struct store_counts *counts,
    char *sqlstate, struct errbuf *eb)
{
	struct rows_out o = ROWS_OUT_INIT;
	size_t i;
	int rc = -1;

	for (i = 0; i < n; i++) {
		/* Set by SQL_KEYS for new results that get a trace. */
		if (items[i].trace_id < 1)
			continue;
		if (rows_add(&o, items[i].r, items[i].trace_id,
			items[i].result_id, worker_id, source, worker) == -1)
			goto nomem;
	}
	if (o.ntraces == 0) {
		rc = 0;
		goto out;
	}
	if (copy_rows(c, &o, sqlstate, eb) == -1)
		goto out;
	counts->traces += o.ntraces;
	counts->hops += o.nhops;
	rc = 0;
	goto out;
nomem:
	errbuf_set(eb, "out of memory");
out:
	rows_free(&o);
	return rc;
}

int
store_pipeline(PGconn *c, struct errbuf *eb)
{
	PGresult *res;
	int rc;

	res = db_exec(c,
	    "SELECT to_regprocedure('pingsvc.derive_traces(bigint[])')"
	    "       IS NOT NULL,"
	    "       to_regprocedure('pingsvc.process_results(bigint[])')"
	    "       IS NOT NULL",
	    0, NULL, NULL, eb);
	if (res == NULL)
		return -1;
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		rc = STORE_ROWS_COPY;
	else if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		rc = STORE_PROCESS_SQL;
	else
		rc = STORE_RESULTS_ONLY;
	PQclear(res);
	return rc;
}

int
store_derive(PGconn *c, const struct store_item *items, size_t n,
    struct store_counts *counts, struct errbuf *eb)
{
	return run_counts(c, SQL_DERIVE, "derive_traces", items, n, 1, counts,
	    NULL, NULL, eb);
}

int
store_results(PGconn *c, struct store_item *items, size_t n, const char *ns,
    int64_t worker_id, const char *worker, const char *source,
    enum store_pipeline pipe, struct store_counts *counts, char *sqlstate,
    struct errbuf *eb)
{
	struct buf keys = BUF_INIT, tss = BUF_INIT, want = BUF_INIT;
	PGresult *res = NULL;
	const char *vals[4];
	long long ord;
	size_t i;
	int rc = -1;

	if (sqlstate != NULL)
		sqlstate[0] = '\0';
	if (n == 0)
		return 0;
	if (batch_keys(items, n, &keys, &tss, &want, pipe == STORE_ROWS_COPY,
		source, worker) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	vals[0] = buf_str(&keys);
	vals[1] = buf_str(&tss);
	vals[2] = ns;
	vals[3] = buf_str(&want);
	if ((res = db_exec(c, SQL_KEYS, 4, vals, sqlstate, eb)) == NULL)
		goto out;
	if ((size_t)PQntuples(res) != n) {
		errbuf_set(eb, "store: %d rows back for %zu results",
		    PQntuples(res), n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		ord = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		if (ord < 1 || (size_t)ord > n) {
			errbuf_set(
			    eb, "store: row number %lld out of range", ord);
			goto out;
		}
		items[ord - 1].trace_id = -1;
		if (strcmp(PQgetvalue(res, (int)i, 1), "t") == 0) {
			items[ord - 1].status = STORE_STORED;
			items[ord - 1].result_id =
			    strtoll(PQgetvalue(res, (int)i, 2), NULL, 10);
			if (!PQgetisnull(res, (int)i, 3))
				items[ord - 1].trace_id = strtoll(
				    PQgetvalue(res, (int)i, 3), NULL, 10);
			counts->stored++;
		} else {
			items[ord - 1].status = STORE_DUPLICATE;
			items[ord - 1].result_id = -1;
			counts->duplicates++;
		}
	}
	if (store_copy_results(c, items, n, worker_id, source, sqlstate, eb) ==
	    -1)
		goto out;
	if (pipe == STORE_PROCESS_SQL &&
	    process(c, items, n, counts, sqlstate, eb) == -1)
		goto out;
	if (pipe == STORE_ROWS_COPY &&
	    store_rows(c, items, n, worker_id, worker, source, counts, sqlstate,
		eb) == -1)
		goto out;
	rc = 0;
out:
	PQclear(res);
	buf_free(&keys);
	buf_free(&tss);
	buf_free(&want);
	return rc;
}
