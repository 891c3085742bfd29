/*
 * import_cmd.c --
 *	The import command; see import_cmd.h.  The database work is one
 *	transaction: COPY the addresses into a temporary table, then one
 *	INSERT ... ON CONFLICT that adds the new ones and refreshes last_seen
 *	of the known ones, then one row in pingsvc.import_sources.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "fetch.h"
#include "geo.h"
#include "import_cmd.h"
#include "represent.h"
#include "source.h"

static const char SQL_TEMP[] =
    "CREATE TEMP TABLE frontier_import (address inet NOT NULL, "
    "label text) ON COMMIT DROP";
static const char SQL_COPY[] =
    "COPY frontier_import (address, label) FROM STDIN";
/*
 * One statement: new addresses are inserted, known ones get last_seen
 * (and a geofeed's label) refreshed; xmax = 0 tells the two apart.
 */
static const char SQL_MERGE[] =
    "WITH m AS ("
    "  INSERT INTO pingsvc.targets AS t"
    "         (address, source, source_detail, location_label)"
    "  SELECT DISTINCT ON (address) address, 'bootstrap', $1, label"
    "    FROM frontier_import ORDER BY address"
    "  ON CONFLICT (address) DO UPDATE"
    "     SET last_seen = greatest(now(), t.first_seen),"
    "         location_label = coalesce(excluded.location_label,"
    "                                   t.location_label)"
    "  RETURNING (xmax = 0) AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted),"
    "        count(*) FILTER (WHERE NOT inserted) FROM m";
static const char SQL_OPTOUTS[] = "SELECT prefix::text FROM pingsvc.opt_outs";
/*
 * The database's special_ranges refuse what lib/addr.c cannot know: the
 * bogon lists loaded by `bogons load` (130,000 prefixes, a GiST lookup
 * each here rather than a linear scan in C).  The most specific row
 * decides, as in is_probe_allowed(); the allow list ($1) wins.
 */
static const char SQL_REFUSE_SPECIAL[] =
    "WITH gone AS ("
    "  DELETE FROM frontier_import f"
    "   WHERE NOT coalesce(f.address <<= ANY ($1::cidr[]), false)"
    "     AND NOT coalesce((SELECT s.globally_reachable"
    "                         FROM pingsvc.special_ranges s"
    "                        WHERE s.prefix >>= f.address"
    "                        ORDER BY masklen(s.prefix) DESC LIMIT 1), true)"
    "  RETURNING 1)"
    " SELECT count(*) FROM gone";

int
import_cmd_read(
    const char *path, long long max, char **out, size_t *len, struct errbuf *eb)
{
	FILE *f = NULL;
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	int rc = -1;

	*out = NULL;
	*len = 0;
	b.max = (size_t)max;
	if ((f = fopen(path, "rb")) == NULL) {
		errbuf_set(eb, "%s: %s", path, strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) == -1) {
			errbuf_set(eb,
			    "%s: larger than %lld bytes (raise "
			    "import.max_bytes)",
			    path, max);
			goto out;
		}
	if (ferror(f)) {
		errbuf_set(eb, "%s: read error", path);
		goto out;
	}
	*len = b.len;
	if ((*out = b.data) == NULL && (*out = strdup("")) == NULL) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	b.data = NULL;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	buf_free(&b);
	return rc;
}

static int
import_cmd_sink(
    void *arg, const struct prefix *p, const char *label, struct errbuf *eb)
{
	return represent_add(arg, p, label, eb);
}

int
import_cmd_copy_text(struct buf *b, const char *s)
{
	char c[2];

	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r') {
			c[0] = '\\';
			c[1] = *s == '\t' ? 't'
			    : *s == '\n'  ? 'n'
			    : *s == '\r'  ? 'r'
					  : '\\';
			if (buf_append(b, c, 2) == -1)
				return -1;
		} else if (buf_append(b, s, 1) == -1)
			return -1;
	}
	return 0;
}

/* The opt-outs of the database, added to 'deny'. */
static int
import_cmd_optouts(PGconn *db, struct prefix_set *deny, struct errbuf *eb)
{
	PGresult *res;
	int i, rc = -1;

	if ((res = db_exec(db, SQL_OPTOUTS, 0, NULL, eb)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		if (prefix_set_add_str(deny, PQgetvalue(res, i, 0), eb) == -1)
			goto out;
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* The allow list as a cidr[] literal, into 'b' (reset first). */
static int
import_cmd_allow_array(const struct prefix_set *allow, struct buf *b)
{
	char p[ADDR_STRLEN];
	size_t i;

	buf_reset(b);
	if (buf_puts(b, "{") == -1)
		return -1;
	for (i = 0; allow != NULL && i < allow->n; i++)
		if (buf_printf(b, "%s%s", i > 0 ? "," : "",
			prefix_format(&allow->v[i], p, sizeof(p))) == -1)
			return -1;
	return buf_puts(b, "}");
}

static int
import_cmd_store(PGconn *db, const struct import_opts *o,
    const struct represent *r, const struct geo_rows *geo,
    const struct fetch_result *f, struct import_counts *c, struct errbuf *eb)
{
	struct geo_counts gc;
	struct prefix_set deny = PREFIX_SET_INIT;
	struct buf line = BUF_INIT;
	struct errbuf why;
	PGresult *res = NULL;
	static const struct fetch_result nofetch; /* a file: no validators */
	char a[ADDR_STRLEN];
	const char *params[1];
	size_t i;
	int rc = -1, began = 0;

	if (db_command(db, "BEGIN", 0, NULL, eb) == -1)
		goto out;
	began = 1;
	if (o->deny != NULL)
		for (i = 0; i < o->deny->n; i++)
			if (prefix_set_add(&deny, &o->deny->v[i], eb) == -1)
				goto out;
	if (import_cmd_optouts(db, &deny, eb) == -1 ||
	    db_command(db, SQL_TEMP, 0, NULL, eb) == -1)
		goto out;
	if (db_copy_begin(db, SQL_COPY, eb) == -1)
		goto out;
	for (i = 0; i < r->n; i++) {
		if (addr_check_target(&r->v[i].addr, o->allow, &deny, &why) ==
		    -1) {
			c->refused++;
			continue;
		}
		buf_reset(&line);
		addr_format(&r->v[i].addr, a, sizeof(a));
		if (buf_puts(&line, a) == -1 || buf_puts(&line, "\t") == -1 ||
		    (r->v[i].label != NULL
			    ? import_cmd_copy_text(&line, r->v[i].label)
			    : buf_puts(&line, "\\N")) == -1 ||
		    buf_puts(&line, "\n") == -1) {
			errbuf_set(eb, "out of memory");
			goto out;
		}
		if (PQputCopyData(db, line.data, (int)line.len) != 1) {
			errbuf_set(eb, "database: %s", PQerrorMessage(db));
			goto out;
		}
		if (o->progress && i % 4096 == 0)
			fprintf(stderr, "\rcopying %zu/%zu", i, r->n);
	}
	if (o->progress)
		fprintf(stderr, "\rcopying %zu/%zu\n", r->n, r->n);
	if (db_copy_end(db, eb) == -1)
		goto out;
	if (import_cmd_allow_array(o->allow, &line) == -1) {
		errbuf_set(eb, "out of memory");
		goto out;
	}
	params[0] = buf_str(&line);
	if ((res = db_exec(db, SQL_REFUSE_SPECIAL, 1, params, eb)) == NULL)
		goto out;
	c->refused += strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	params[0] = o->provider;
	if ((res = db_exec(db, SQL_MERGE, 1, params, eb)) == NULL)
		goto out;
	c->new_ = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	c->known = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	res = NULL;
	if (source_remember(db, o->path, o->format->name, o->provider,
		(long long)c->addresses, (long long)c->new_,
		f != NULL ? f : &nofetch, eb) == -1)
		goto out;
	if (geo != NULL) {
		if (geo_store(db, geo, o->provider, "geofeed", &gc, eb) == -1)
			goto out;
		c->geo = 1;
		c->located = gc.located;
		c->unlocated = gc.unlocated;
	}
	if (db_command(db, "COMMIT", 0, NULL, eb) == -1)
		goto out;
	began = 0;
	rc = 0;
out:
	PQclear(res);
	if (began)
		db_rollback(db);
	buf_free(&line);
	prefix_set_free(&deny);
	return rc;
}

static int
import_cmd_geo(
    void *arg, const struct import_geofeed_row *row, struct errbuf *eb)
{
	return geo_rows_add(arg, &row->prefix, row->country, row->region,
	    row->city, NULL, NULL, eb);
}

int
import_cmd_run(PGconn *db, const struct import_opts *o, struct import_counts *c,
    struct errbuf *eb)
{
	struct represent r;
	struct geo_rows geo = GEO_ROWS_INIT;
	struct import_sink sink;
	struct fetch_result f;
	char *data = NULL;
	const char *text;
	size_t len;
	int rc = -1, url;

	memset(c, 0, sizeof(*c));
	memset(&f, 0, sizeof(f));
	represent_init(&r, o->per_prefix);
	if ((url = fetch_is_url(o->path))) {
		if (source_get(db, o->path, o->format->name, o->max_bytes, 1,
			&f, eb) == -1)
			goto out;
		if (f.unchanged) {
			c->unchanged = 1;
			rc = 0;
			goto out;
		}
		text = f.body;
		len = f.len;
	} else {
		if (import_cmd_read(o->path, o->max_bytes, &data, &len, eb) ==
		    -1)
			goto out;
		text = data;
	}
	if (o->progress)
		fprintf(stderr, "parsing %s (%zu bytes)\n", o->path, len);
	sink.prefix = import_cmd_sink;
	sink.arg = &r;
	if (o->format->parse(text, len, &sink, eb) == -1) {
		errbuf_prefix(eb, "%s", o->path);
		goto out;
	}
	represent_finish(&r);
	c->prefixes = r.prefixes;
	c->addresses = r.n;
	/* A geofeed also says where its prefixes are. */
	if (o->format == &import_geofeed &&
	    import_geofeed_rows(text, len, import_cmd_geo, &geo, eb) == -1) {
		errbuf_prefix(eb, "%s", o->path);
		goto out;
	}
	if (import_cmd_store(db, o, &r,
		o->format == &import_geofeed ? &geo : NULL, url ? &f : NULL, c,
		eb) == -1)
		goto out;
	rc = 0;
out:
	free(data);
	fetch_result_free(&f);
	represent_free(&r);
	geo_rows_free(&geo);
	return rc;
}
