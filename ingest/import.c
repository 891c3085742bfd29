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
 *	then the batch is stored in one transaction with process_results().
 *	With --strict every file is first decoded without touching the
 *	database, and nothing is stored if anything was refused.
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
	char where[600]; /* "FILE:LINE" of the last item */
};

/* The batch being assembled. */
struct batch {
	struct store_item items[IMPORT_BATCH];
	size_t n;
	int64_t days[IMPORT_BATCH_DAYS];
	size_t ndays;
};

struct ctx {
	PGconn *c;
	const struct import_opts *o;
	FILE *errs;
	struct import_stats *st;
	int64_t worker_id; /* native */
	char ns[40];
	int process; /* process_results exists */
	int dry;     /* strict pass 1: decode only */
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
 * src_next --
 *	The next item as a decoded result in '*out' (NULL when refused, with
 *	'eb' saying why).  Returns 1 for an item, 0 at the end, -1 on a read
 *	error ('eb').
 */
static int
src_next(struct src *s, enum result_mode mode, struct result **out,
    struct errbuf *eb)
{
	yajl_val v;
	ssize_t len;

	*out = NULL;
	errbuf_clear(eb);
	if (s->array) {
		if (s->idx >= s->tree->u.array.len)
			return 0;
		v = s->tree->u.array.values[s->idx++];
		snprintf(
		    s->where, sizeof(s->where), "%s:#%zu", s->name, s->idx);
		(void)result_decode(v, mode, out, eb);
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
		(void)result_decode_text(s->lb, (size_t)len, mode, out, eb);
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

static int
batch_flush(struct ctx *x, struct batch *b, struct errbuf *eb)
{
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
	if (store_results(x->c, b->items, b->n, x->ns, x->worker_id,
		x->o->mode == RESULT_ATLAS ? "atlas" : "pingsvc", x->process,
		&x->st->c, NULL, eb) == -1) {
		db_rollback(x->c);
		goto out;
	}
	if (db_cmd(x->c, "COMMIT", 0, NULL, eb) == -1)
		goto out;
	rc = 0;
out:
	batch_clear(b);
	return rc;
}

/* Give 'r' its idempotency key and worker; 0, or -1 to refuse it. */
static int
prepare(struct ctx *x, struct result *r, struct errbuf *eb)
{
	char key[RESULT_KEY_MAX + 1];

	if (x->o->mode == RESULT_ATLAS) {
		if (import_atlas_key(r, key, sizeof(key), eb) == -1)
			return -1;
		free(r->idem_key);
		if ((r->idem_key = strdup(key)) == NULL)
			return errbuf_set(eb, "out of memory");
		return 0;
	}
	free(r->worker);
	if ((r->worker = strdup(x->o->worker)) == NULL)
		return errbuf_set(eb, "out of memory");
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
			got = src_next(&s, x->o->mode, &r, &ieb);
			if (got == -1) {
				*eb = ieb;
				src_close(&s);
				return -1;
			}
			if (got == 0)
				break;
			if (r != NULL && prepare(x, r, &ieb) == -1) {
				result_free(r);
				r = NULL;
			}
			if (r == NULL) {
				x->st->refused++;
				fprintf(x->errs, "%s: %s\n", s.where,
				    errbuf_msg(&ieb));
				continue;
			}
			if ((b->n == IMPORT_BATCH ||
				batch_day_full(b, r->timestamp)) &&
			    batch_flush(x, b, eb) == -1) {
				result_free(r);
				src_close(&s);
				return -1;
			}
			batch_add(b, r);
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
	if (o->mode == RESULT_ATLAS) {
		snprintf(x.ns, sizeof(x.ns), "atlas");
	} else {
		vals[0] = o->worker;
		res = db_exec(c,
		    "SELECT worker_id FROM pingsvc.workers WHERE name = $1", 1,
		    vals, NULL, eb);
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
	}
	if ((x.process = db_has_process_results(c, eb)) == -1)
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
	PQclear(res);
	return rc;
}
