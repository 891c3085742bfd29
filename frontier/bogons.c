/*
 * bogons.c --
 *	See bogons.h.  The prefixes travel as one cidr[] parameter: a full
 *	IPv6 list (130,000 prefixes, 3 MB as text) is one round trip, and the
 *	delete and insert happen in pingsvc.load_bogons()'s one statement.
 */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bogons.h"
#include "buf.h"
#include "db.h"
#include "import.h"
#include "import_cmd.h"
#include "source.h"

static const char SQL_LOAD[] = "SELECT removed, added, special"
			       "  FROM pingsvc.load_bogons($1::cidr[], $2)";

static int
bogons_sink(
    void *arg, const struct prefix *p, const char *label, struct errbuf *eb)
{
	(void)label;
	return prefix_set_add(arg, p, eb);
}

/*
 * The bodies of the inputs into 'f[0..npaths)'.  Returns 0 (c->unchanged
 * when all are URLs that answered 304), or -1 with 'eb'.
 */
static int
bogons_fetch(PGconn *db, char *const *paths, int npaths, long long max_bytes,
    struct fetch_result *f, struct bogons_counts *c, struct errbuf *eb)
{
	int k, unchanged = 0;

	for (k = 0; k < npaths; k++) {
		if (source_get(
			db, paths[k], "bogons", max_bytes, 1, &f[k], eb) == -1)
			return -1;
		unchanged += f[k].unchanged;
	}
	if (unchanged == npaths) {
		c->unchanged = 1;
		return 0;
	}
	for (k = 0; k < npaths && unchanged > 0; k++)
		if (f[k].unchanged) {
			fetch_result_free(&f[k]);
			if (source_get(db, paths[k], "bogons", max_bytes, 0,
				&f[k], eb) == -1)
				return -1;
		}
	return 0;
}

/* load_bogons() with the prefixes of 'set', in the open transaction. */
static int
bogons_store(PGconn *db, const struct prefix_set *set, const char *source,
    struct bogons_counts *c, struct errbuf *eb)
{
	struct buf arr = BUF_INIT;
	PGresult *res = NULL;
	char cidr[ADDR_STRLEN];
	const char *params[2];
	size_t i;
	int rc = -1;

	if (buf_puts(&arr, "{") == -1)
		goto oom;
	for (i = 0; i < set->n; i++)
		if ((i > 0 && buf_puts(&arr, ",") == -1) ||
		    buf_puts(&arr,
			prefix_format(&set->v[i], cidr, sizeof(cidr))) == -1)
			goto oom;
	if (buf_puts(&arr, "}") == -1)
		goto oom;
	params[0] = buf_str(&arr);
	params[1] = source;
	if ((res = db_exec(db, SQL_LOAD, 2, params, eb)) == NULL)
		goto out;
	c->removed = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	c->added = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	c->special = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	rc = 0;
	goto out;
oom:
	errbuf_set(eb, "out of memory");
out:
	PQclear(res);
	buf_free(&arr);
	return rc;
}

int
bogons_load(PGconn *db, char *const *paths, int npaths, const char *source,
    long long max_bytes, struct bogons_counts *c, struct errbuf *eb)
{
	struct prefix_set set = PREFIX_SET_INIT;
	struct import_sink sink;
	struct fetch_result *f = NULL;
	size_t *counts = NULL, before;
	int rc = -1, k, began = 0;

	memset(c, 0, sizeof(*c));
	if ((f = calloc((size_t)npaths, sizeof(*f))) == NULL ||
	    (counts = calloc((size_t)npaths, sizeof(*counts))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	if (bogons_fetch(db, paths, npaths, max_bytes, f, c, eb) == -1)
		goto out;
	if (c->unchanged) {
		rc = 0;
		goto out;
	}
	sink.prefix = bogons_sink;
	sink.arg = &set;
	for (k = 0; k < npaths; k++) {
		before = set.n;
		if (import_list.parse(f[k].body, f[k].len, &sink, eb) == -1) {
			errbuf_prefix(eb, "%s", paths[k]);
			goto out;
		}
		counts[k] = set.n - before;
	}
	if ((c->prefixes = set.n) == 0) {
		errbuf_set(eb,
		    "no prefixes (an empty list would unlist every "
		    "bogon)");
		goto out;
	}
	if (db_command(db, "BEGIN", 0, NULL, eb) == -1)
		goto out;
	began = 1;
	if (bogons_store(db, &set, source, c, eb) == -1)
		goto out;
	for (k = 0; k < npaths; k++)
		if (source_remember(db, paths[k], "bogons", source,
			(long long)counts[k], (long long)counts[k], &f[k],
			eb) == -1)
			goto out;
	if (db_command(db, "COMMIT", 0, NULL, eb) == -1)
		goto out;
	began = 0;
	rc = 0;
out:
	if (began)
		db_command(db, "ROLLBACK", 0, NULL, NULL);
	for (k = 0; f != NULL && k < npaths; k++)
		fetch_result_free(&f[k]);
	free(f);
	free(counts);
	prefix_set_free(&set);
	return rc;
}
