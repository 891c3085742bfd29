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

static const char SQL_LOAD[] = "SELECT removed, added, special"
			       "  FROM pingsvc.load_bogons($1::cidr[], $2)";

static int
bogons_sink(
    void *arg, const struct prefix *p, const char *label, struct errbuf *eb)
{
	(void)label;
	return prefix_set_add(arg, p, eb);
}

int
bogons_load(PGconn *db, char *const *paths, int npaths, const char *source,
    long long max_bytes, struct bogons_counts *c, struct errbuf *eb)
{
	struct prefix_set set = PREFIX_SET_INIT;
	struct import_sink sink;
	struct buf arr = BUF_INIT;
	PGresult *res = NULL;
	char cidr[ADDR_STRLEN], *data = NULL;
	const char *params[2];
	size_t i, len;
	int rc = -1, k;

	memset(c, 0, sizeof(*c));
	sink.prefix = bogons_sink;
	sink.arg = &set;
	for (k = 0; k < npaths; k++) {
		if (import_cmd_read(paths[k], max_bytes, &data, &len, eb) == -1)
			goto out;
		if (import_list.parse(data, len, &sink, eb) == -1) {
			errbuf_prefix(eb, "%s", paths[k]);
			goto out;
		}
		free(data);
		data = NULL;
	}
	if ((c->prefixes = set.n) == 0) {
		errbuf_set(eb,
		    "no prefixes (an empty list would unlist every "
		    "bogon)");
		goto out;
	}
	if (buf_puts(&arr, "{") == -1)
		goto oom;
	for (i = 0; i < set.n; i++)
		if ((i > 0 && buf_puts(&arr, ",") == -1) ||
		    buf_puts(&arr,
			prefix_format(&set.v[i], cidr, sizeof(cidr))) == -1)
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
	free(data);
	buf_free(&arr);
	prefix_set_free(&set);
	return rc;
}
