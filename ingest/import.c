/*
 * import.c --
 *	The importer (see import.h).
 *
 *	Files are read as a stream of items so that memory stays bounded by
 *	one batch: a file whose first non-blank byte is '[' is one JSON array
 *	(read whole, up to IMPORT_MAX_ARRAY_FILE), anything else one result
 *	per line.  Before a batch is stored, the partitions of its days are
 *	made by pingsvc.ensure_partitions in a transaction of their own (at
 *	most IMPORT_BATCH_DAYS days, far below the 93-partition bound);
 *	then the batch is stored in one transaction with its traces, hops
 *	and derive_queue rows (store.h), and its traces derived right after
 *	the commit (derive_traces; a failure there leaves them queued for
 *	derive_pending).
 *	With --strict every file is first decoded without touching the
 *	database, and nothing is stored if anything was refused.
 *
 *	scamper records are stored under the vantage that ran scamper, a
 *	workers row: an enrolled worker, or one made here, disabled and with
 *	a token nobody knows, so that the traces name their vantage as for
 *	our own (a batch holds one vantage).  Native results
 *	on behalf of a worker are checked against its scope as the gateway
 *	checks a submit (scope_check), each refusal reported with its reason.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "import.h"
#include "json.h"
#include "result_scamper.h"
#include "scope.h"

/* Distinct scamper vantages remembered by one run. */
#define IMPORT_MAX_VANTAGES 64

/* One source file as a stream of JSON values. */
struct src {
	const char *name;
	FILE *f;
	int array;     /* whole-file JSON array */
	yajl_val tree; /* the array */
	size_t idx;    /* next element */
	long line;     /* line of the last item read */
	char *lb;      /* line buffer */
	size_t lbcap;
	char where[600];                 /* "FILE:LINE" of the last item */
	char host[SCAMPER_HOST_MAX + 1]; /* scamper: the cycle's hostname */
};

/* The batch being assembled. */
struct batch {
	struct store_item items[IMPORT_BATCH];
	size_t n;
	int64_t days[IMPORT_BATCH_DAYS];
	size_t ndays;
	int64_t worker_id; /* scamper: the batch's vantage */
};

struct vantage {
	char name[64];
	int64_t id; /* -1: not in the database yet (strict pass 1) */
};

struct ctx {
	PGconn *c;
	const struct import_opts *o;
	FILE *errs;
	struct import_stats *st;
	int64_t worker_id; /* native */
	char ns[40];
	int pipe;           /* enum store_pipeline */
	int dry;            /* strict pass 1: decode only */
	struct scope scope; /* native: the worker's */
	struct vantage vantages[IMPORT_MAX_VANTAGES];
	size_t nvantages;
	int64_t item_worker; /* scamper: the vantage of the last item */
};

int
import_atlas_key(
    const struct result *r, char *out, size_t size, struct errbuf *eb)
{
	char dst[ADDR_STRLEN];
	int n;

	if (r->msm_id < 0 || r->prb_id < 0)
		return errbuf_set(eb,
		    "\"%s\": missing (needed for the "
		    "idempotency key)",
		    r->msm_id < 0 ? "msm_id" : "prb_id");
	n = snprintf(out, size, "%" PRId64 ":%" PRId64 ":%" PRId64 ":%s",
	    r->msm_id, r->prb_id, r->timestamp,
	    addr_format(&r->dst, dst, sizeof(dst)));
	if (n < 0 || (size_t)n >= size)
		return errbuf_set(eb, "idempotency key too long");
	return 0;
}

static int
src_open(struct src *s, const char *name, struct errbuf *eb)
{
	struct buf all = BUF_INIT;
	struct errbuf jeb;
	char chunk[65536];
	size_t n;
	int ch;

	memset(s, 0, sizeof(*s));
	s->name = name;
	if (strcmp(name, "-") == 0)
		s->f = stdin;
	else if ((s->f = fopen(name, "r")) == NULL)
		return errbuf_set(eb, "%s: %s", name, strerror(errno));
	/* Peek at the first non-blank byte. */
	while ((ch = getc(s->f)) != EOF && strchr(" \t\r\n", ch) != NULL) {
		if (ch == '\n')
			s->line++;
	}
	if (ch == EOF)
		return 0;
	ungetc(ch, s->f);
	if (ch != '[') {
		/* Lines: start again so that line numbers are right. */
		if (s->f != stdin) {
			rewind(s->f);
			s->line = 0;
		}
		return 0;
	}
	s->array = 1;
	all.max = IMPORT_MAX_ARRAY_FILE;
	while ((n = fread(chunk, 1, sizeof(chunk), s->f)) > 0) {
		if (buf_append(&all, chunk, n) == -1) {
			buf_free(&all);
			return errbuf_set(eb, "%s: larger than %u bytes", name,
			    IMPORT_MAX_ARRAY_FILE);
		}
	}
	if (ferror(s->f)) {
		buf_free(&all);
		return errbuf_set(eb, "%s: read error", name);
	}
	s->tree = json_parse(buf_str(&all), all.len, &jeb);
	buf_free(&all);
	if (s->tree == NULL)
		return errbuf_set(eb, "%s: %s", name, errbuf_msg(&jeb));
	if (!YAJL_IS_ARRAY(s->tree))
		return errbuf_set(eb, "%s: not a JSON array", name);
	return 0;
}

static void
src_close(struct src *s)
{
	if (s->f != NULL && s->f != stdin)
		fclose(s->f);
	s->f = NULL;
	yajl_tree_free(s->tree);
	s->tree = NULL;
	free(s->lb);
	s->lb = NULL;
}

/*
 * Decode the value 'v' as an item of format 'fmt' into '*out' (NULL when
 * refused, 'eb' saying why).  Returns 1 when 'v' is no item at all (a
 * scamper cycle record, whose hostname is kept), else 0.
 */
static int
decode_value(struct src *s, yajl_val v, enum import_format fmt,
    struct result **out, struct errbuf *eb)
{
	const char *host;
	int rc;

	if (fmt != IMPORT_SCAMPER) {
		(void)result_decode(v,
		    fmt == IMPORT_NATIVE ? RESULT_WIRE : RESULT_ATLAS, out, eb);
		return 0;
	}
	rc = result_scamper_decode(v, out, &host, eb);
	if (rc == 1 && host != NULL)
		snprintf(s->host, sizeof(s->host), "%s", host);
	return rc == 1;
}

/* As decode_value, from the text of one line. */
static int
decode_line(struct src *s, size_t len, enum import_format fmt,
    struct result **out, struct errbuf *eb)
{
	yajl_val v;
	int skip;

	if ((v = json_parse(s->lb, len, eb)) == NULL)
		return 0;
	skip = decode_value(s, v, fmt, out, eb);
	yajl_tree_free(v);
	return skip;
}

/*
 * src_next --
 *	The next item as a decoded result in '*out' (NULL when refused, with
 *	'eb' saying why).  Returns 1 for an item, 0 at the end, -1 on a read
 *	error ('eb').
 */
static int
src_next(struct src *s, enum import_format fmt, struct result **out,
    struct errbuf *eb)
{
	yajl_val v;
	ssize_t len;

	*out = NULL;
	errbuf_clear(eb);
	while (s->array) {
		if (s->idx >= s->tree->u.array.len)
			return 0;
		v = s->tree->u.array.values[s->idx++];
		snprintf(
		    s->where, sizeof(s->where), "%s:#%zu", s->name, s->idx);
		if (decode_value(s, v, fmt, out, eb) == 0)
			return 1;
	}
	for (;;) {
		errno = 0;
		len = getline(&s->lb, &s->lbcap, s->f);
		if (len == -1) {
			if (ferror(s->f))
				return errbuf_set(eb, "%s: %s", s->name,
				    strerror(errno != 0 ? errno : EIO));
			return 0;
		}
		s->line++;
		while (len > 0 && strchr(" \t\r\n", s->lb[len - 1]) != NULL)
			len--;
		if (len == 0)
			continue; /* blank lines are not items */
		snprintf(
		    s->where, sizeof(s->where), "%s:%ld", s->name, s->line);
		if ((size_t)len > IMPORT_MAX_LINE) {
			errbuf_set(
			    eb, "line longer than %u bytes", IMPORT_MAX_LINE);
			return 1;
		}
		if (decode_line(s, (size_t)len, fmt, out, eb) == 0)
			return 1;
	}
}

static void
batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		result_free(b->items[i].r);
	b->n = 0;
	b->ndays = 0;
}

/* Day number of 'ts'; 1 when it is new in the batch and the batch is full. */
static int
batch_day_full(const struct batch *b, int64_t ts)
{
	int64_t day = ts >= 0 ? ts / 86400 : (ts - 86399) / 86400;
	size_t i;

	for (i = 0; i < b->ndays; i++)
		if (b->days[i] == day)
			return 0;
	return b->ndays == IMPORT_BATCH_DAYS;
}

static void
batch_add(struct batch *b, struct result *r)
{
	int64_t day = r->timestamp >= 0 ? r->timestamp / 86400
					: (r->timestamp - 86399) / 86400;
	size_t i;

	for (i = 0; i < b->ndays; i++)
		if (b->days[i] == day)
			break;
	if (i == b->ndays)
		b->days[b->ndays++] = day;
	b->items[b->n].r = r;
	b->items[b->n].status = STORE_PENDING;
	b->items[b->n].result_id = -1;
	b->n++;
}

/* Make the partitions of the batch's days, in their own transaction. */
static int
batch_partitions(struct ctx *x, const struct batch *b, struct errbuf *eb)
{
	struct buf days = BUF_INIT;
	const char *vals[1];
	PGresult *res = NULL;
	size_t i;
	int rc = -1;

	if (buf_puts(&days, "{") == -1)
		goto nomem;
	for (i = 0; i < b->ndays; i++)
		if (buf_printf(&days, "%s%" PRId64, i > 0 ? "," : "",
			b->days[i]) == -1)
			goto nomem;
	if (buf_puts(&days, "}") == -1)
		goto nomem;
	vals[0] = buf_str(&days);
	res = db_exec(x->c,
	    "SELECT count(p.*)"
	    "  FROM unnest($1::bigint[]) AS d(day),"
	    "       LATERAL pingsvc.ensure_partitions("
	    "           to_timestamp(d.day * 86400),"
	    "           to_timestamp(d.day * 86400 + 86399)) AS p",
	    1, vals, NULL, eb);
	if (res == NULL)
		goto out;
	rc = 0;
	goto out;
nomem:
	errbuf_set(eb, "out of memory");
out:
	PQclear(res);
	buf_free(&days);
	return rc;
}

/* The name of the batch's workers row (the traces' vantage), or NULL. */
static const char *
batch_worker(const struct ctx *x, const struct batch *b)
{
	size_t i;

	if (x->o->format == IMPORT_ATLAS)
		return NULL;
	if (x->o->format != IMPORT_SCAMPER)
		return x->o->worker;
	for (i = 0; i < x->nvantages; i++)
		if (x->vantages[i].id == b->worker_id)
			return x->vantages[i].name;
	return NULL;
}

static int
batch_flush(struct ctx *x, struct batch *b, struct errbuf *eb)
{
	struct errbuf deb;
	int rc = -1;

	if (b->n == 0)
		return 0;
	if (x->dry) {
		batch_clear(b);
		return 0;
	}
	if (batch_partitions(x, b, eb) == -1)
		goto out;
	if (db_cmd(x->c, "BEGIN", 0, NULL, eb) == -1)
		goto out;
	if (store_results(x->c, b->items, b->n, x->ns,
		x->o->format == IMPORT_SCAMPER ? b->worker_id : x->worker_id,
		batch_worker(x, b),
		x->o->format == IMPORT_ATLAS         ? "atlas"
		    : x->o->format == IMPORT_SCAMPER ? "scamper"
						     : "pingsvc",
		(enum store_pipeline)x->pipe, &x->st->c, NULL, eb) == -1) {
		db_rollback(x->c);
		goto out;
	}
	if (db_cmd(x->c, "COMMIT", 0, NULL, eb) == -1)
		goto out;
	if (x->pipe == STORE_ROWS_COPY &&
	    store_derive(x->c, b->items, b->n, &x->st->c, &deb) == -1)
		fprintf(x->errs,
		    "warning: derivation left queued for derive_pending: %s\n",
		    errbuf_msg(&deb));
	rc = 0;
out:
	batch_clear(b);
	return rc;
}

static int
valid_name(const char *n)
{
	size_t i;

	if (!((n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= 'a' && n[0] <= 'z') ||
		(n[0] >= '0' && n[0] <= '9')))
		return 0;
	for (i = 1; n[i] != '\0'; i++)
		if (!((n[i] >= 'A' && n[i] <= 'Z') ||
			(n[i] >= 'a' && n[i] <= 'z') ||
			(n[i] >= '0' && n[i] <= '9') ||
			strchr("._-", n[i]) != NULL))
			return 0;
	return i <= 63;
}

int
import_scamper_vantage(const char *given, const char *host, char *out,
    size_t size, struct errbuf *eb)
{
	size_t plen = strlen(IMPORT_SCAMPER_PREFIX), hlen;

	if (given != NULL) {
		if (!valid_name(given))
			return errbuf_set(eb,
			    "--vantage \"%s\": 1-63 of A-Z a-z 0-9 . _ -, "
			    "starting with a letter or digit",
			    given);
		snprintf(out, size, "%s", given);
		return 0;
	}
	if (host == NULL || *host == '\0')
		return errbuf_set(eb,
		    "no vantage: no cycle record before it names a "
		    "\"hostname\" (give --vantage NAME)");
	hlen = strcspn(host, ".");
	if (hlen > 63 - plen)
		hlen = 63 - plen;
	if (size < plen + hlen + 1)
		return errbuf_set(eb, "vantage name too long");
	snprintf(out, size, "%s%.*s", IMPORT_SCAMPER_PREFIX, (int)hlen, host);
	if (!valid_name(out))
		return errbuf_set(eb,
		    "no vantage: hostname \"%.64s\" makes no valid name "
		    "(give --vantage NAME)",
		    host);
	return 0;
}

/*
 * The workers row of scamper vantage 'name' into '*id', made (disabled,
 * with the hash of a random token) when there is none; -1 while dry.
 */
static int
vantage_id(struct ctx *x, const char *name, int64_t *id, struct errbuf *eb)
{
	const char *vals[1] = { name };
	struct vantage *v = NULL;
	PGresult *res;
	size_t i;

	for (i = 0; i < x->nvantages && v == NULL; i++)
		if (strcmp(x->vantages[i].name, name) == 0)
			v = &x->vantages[i];
	if (v == NULL) {
		if (x->nvantages == IMPORT_MAX_VANTAGES)
			return errbuf_set(eb,
			    "more than %d scamper vantages in one run",
			    IMPORT_MAX_VANTAGES);
		v = &x->vantages[x->nvantages++];
		snprintf(v->name, sizeof(v->name), "%s", name);
		v->id = -1;
	}
	if (v->id == -1 && !x->dry) {
		res = db_exec(x->c,
		    "WITH made AS ("
		    "  INSERT INTO pingsvc.workers (name, token_hash, caps,"
		    "                               enabled)"
		    "  VALUES ($1, sha256(convert_to(gen_random_uuid()::text"
		    "          || gen_random_uuid()::text, 'UTF8')), '{}',"
		    "          false)"
		    "  ON CONFLICT (name) DO NOTHING RETURNING worker_id)"
		    " SELECT worker_id FROM made UNION ALL"
		    " SELECT worker_id FROM pingsvc.workers WHERE name = $1",
		    1, vals, NULL, eb);
		if (res == NULL)
			return -1;
		if (PQntuples(res) < 1) {
			PQclear(res);
			return errbuf_set(eb, "vantage %s: not made", name);
		}
		v->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	*id = v->id;
	return 0;
}

/* Give 'r' its idempotency key and worker; 0, or -1 to refuse it. */
static int
prepare(struct ctx *x, const struct src *s, struct result *r, struct errbuf *eb)
{
	char key[RESULT_KEY_MAX + 1], name[64];
	const char *worker = x->o->worker;

	switch (x->o->format) {
	case IMPORT_ATLAS:
		if (import_atlas_key(r, key, sizeof(key), eb) == -1)
			return -1;
		free(r->idem_key);
		if ((r->idem_key = strdup(key)) == NULL)
			return errbuf_set(eb, "out of memory");
		return 0;
	case IMPORT_NATIVE:
		/* As the gateway refuses a submit outside the scope. */
		if (scope_check(&x->scope, r, eb) == -1)
			return -1;
		break;
	case IMPORT_SCAMPER:
		if (import_scamper_vantage(
			x->o->vantage, s->host, name, sizeof(name), eb) == -1)
			return -1;
		worker = name;
		break;
	}
	free(r->worker);
	if ((r->worker = strdup(worker)) == NULL)
		return errbuf_set(eb, "out of memory");
	return 0;
}

/*
 * Add 'r' to the batch, storing the batch first when it is full, spans
 * too many days or belongs to another scamper vantage.  Takes 'r'.
 */
static int
add_item(struct ctx *x, struct batch *b, struct result *r, struct errbuf *eb)
{
	int64_t wid = -1;

	if (x->o->format == IMPORT_SCAMPER &&
	    vantage_id(x, r->worker, &wid, eb) == -1) {
		result_free(r);
		return -1;
	}
	if ((b->n == IMPORT_BATCH || batch_day_full(b, r->timestamp) ||
		(b->n > 0 && wid != b->worker_id)) &&
	    batch_flush(x, b, eb) == -1) {
		result_free(r);
		return -1;
	}
	b->worker_id = wid;
	batch_add(b, r);
	return 0;
}

static int
run_pass(struct ctx *x, char *const *files, int n, struct batch *b,
    struct errbuf *eb)
{
	struct src s;
	struct errbuf ieb;
	struct result *r;
	int i, got;

	for (i = 0; i < n; i++) {
		if (src_open(&s, files[i], eb) == -1) {
			src_close(&s);
			return -1;
		}
		for (;;) {
			got = src_next(&s, x->o->format, &r, &ieb);
			if (got == -1) {
				*eb = ieb;
				src_close(&s);
				return -1;
			}
			if (got == 0)
				break;
			if (r != NULL && prepare(x, &s, r, &ieb) == -1) {
				result_free(r);
				r = NULL;
			}
			if (r == NULL) {
				x->st->refused++;
				fprintf(x->errs, "%s: %s\n", s.where,
				    errbuf_msg(&ieb));
				continue;
			}
			if (add_item(x, b, r, eb) == -1) {
				src_close(&s);
				return -1;
			}
		}
		src_close(&s);
	}
	return batch_flush(x, b, eb);
}

int
import_files(PGconn *c, const struct import_opts *o, char *const *files, int n,
    FILE *errs, struct import_stats *st, struct errbuf *eb)
{
	struct ctx x;
	struct batch *b = NULL;
	const char *vals[1];
	PGresult *res = NULL;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.o = o;
	x.errs = errs;
	x.st = st;
	x.worker_id = -1;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if (o->format == IMPORT_ATLAS) {
		snprintf(x.ns, sizeof(x.ns), "atlas");
	} else if (o->format == IMPORT_SCAMPER) {
		snprintf(x.ns, sizeof(x.ns), "scamper");
	} else {
		vals[0] = o->worker;
		res = db_exec(c,
		    "SELECT worker_id, coalesce(scope_protos, caps)::text,"
		    "       scope_kinds::text, scope_prefixes::text"
		    "  FROM pingsvc.workers WHERE name = $1",
		    1, vals, NULL, eb);
		if (res == NULL)
			goto out;
		if (PQntuples(res) != 1) {
			errbuf_set(eb,
			    "no worker \"%s\" (enrol it first: "
			    "pingsvc-ingest enroll %s)",
			    o->worker, o->worker);
			goto out;
		}
		x.worker_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(x.ns, sizeof(x.ns), "worker:%" PRId64, x.worker_id);
		x.scope.protos = scope_protos_from_lit(PQgetvalue(res, 0, 1));
		x.scope.kinds = scope_kinds_from_lit(PQgetvalue(res, 0, 2));
		if (!PQgetisnull(res, 0, 3) &&
		    scope_prefixes_from_lit(
			&x.scope, PQgetvalue(res, 0, 3), eb) == -1)
			goto out;
	}
	if ((x.pipe = store_pipeline(c, eb)) == -1)
		goto out;
	if (o->strict) {
		x.dry = 1;
		if (run_pass(&x, files, n, b, eb) == -1)
			goto out;
		if (st->refused > 0) {
			rc = 1;
			goto out;
		}
		x.dry = 0;
	}
	if (run_pass(&x, files, n, b, eb) == -1)
		goto out;
	rc = 0;
out:
	if (b != NULL)
		batch_clear(b);
	free(b);
	scope_free(&x.scope);
	PQclear(res);
	return rc;
}
