/*
 * import_dbip.c --
 *	The DB-IP lite CSV layout; see import_dbip.h.  A range database
 *	rather than a target list, so it is not in the import_formats table:
 *	`pingsvc-frontier import dbip FILE` stores geolocations (geo.h), not
 *	targets.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "import_dbip.h"

/* Longest line accepted (bytes). */
#define DBIP_LINE_MAX 1024

enum {
	DB_START,
	DB_END,
	DB_CONTINENT,
	DB_COUNTRY,
	DB_REGION,
	DB_CITY,
	DB_LAT,
	DB_LON,
	DB_NFIELDS
};

/*
 * Split 'line' in place into exactly DB_NFIELDS fields.  A field is either
 * bare (no '"') or wholly quoted, with "" standing for a quote.
 */
static int
dbip_fields(char *line, char **f, struct errbuf *eb)
{
	char *r = line, *w;
	int n = 0;

	for (;;) {
		if (n == DB_NFIELDS)
			return errbuf_set(
			    eb, "more than %d fields", DB_NFIELDS);
		f[n] = w = r;
		if (*r == '"') {
			for (r++;; r++) {
				if (*r == '\0')
					return errbuf_set(eb,
					    "field %d: unterminated quote",
					    n + 1);
				if (*r == '"' && r[1] == '"')
					r++;
				else if (*r == '"')
					break;
				*w++ = *r;
			}
			r++;
			if (*r != ',' && *r != '\0')
				return errbuf_set(eb,
				    "field %d: text after the closing quote",
				    n + 1);
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return errbuf_set(eb,
					    "field %d: quote inside a bare "
					    "field",
					    n + 1);
				*w++ = *r++;
			}
		}
		n++;
		if (*r == '\0') {
			*w = '\0';
			break;
		}
		*w = '\0';
		r++;
	}
	if (n != DB_NFIELDS)
		return errbuf_set(eb,
		    "%d fields, want %d (ip_start,ip_end,continent,"
		    "country,stateprov,city,latitude,longitude)",
		    n, DB_NFIELDS);
	return 0;
}

static int
dbip_degrees(
    const char *s, double max, const char *what, double *out, struct errbuf *eb)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(*out) ||
	    fabs(*out) > max)
		return errbuf_set(eb, "%s \"%s\" is not a number in -%g..%g",
		    what, s, max, max);
	return 0;
}

/* Bits of 'a' (4 or 16 bytes, big-endian) from 'len' on are all 'v'. */
static int
dbip_host_bits(const struct addr *a, unsigned len, int v)
{
	unsigned bits = a->af == 4 ? 32 : 128, i;

	for (i = len; i < bits; i++)
		if (((a->b[i / 8] >> (7 - i % 8)) & 1) != v)
			return 0;
	return 1;
}

static int
dbip_cmp(const struct addr *x, const struct addr *y)
{
	return memcmp(x->b, y->b, x->af == 4 ? 4 : 16);
}

int
import_dbip_split(const struct addr *first, const struct addr *last,
    int (*fn)(void *arg, const struct prefix *p), void *arg)
{
	struct addr cur = *first, end;
	struct prefix p;
	unsigned bits = first->af == 4 ? 32 : 128, len, i;
	int carry;

	for (;;) {
		/* The widest block starting at cur that ends by last. */
		for (len = 0; len < bits; len++) {
			if (!dbip_host_bits(&cur, len, 0))
				continue;
			end = cur;
			for (i = len; i < bits; i++)
				end.b[i / 8] |= (uint8_t)(1u << (7 - i % 8));
			if (dbip_cmp(&end, last) <= 0)
				break;
		}
		if (len == bits)
			end = cur;
		memset(&p, 0, sizeof(p));
		p.addr = cur;
		p.len = (uint8_t)len;
		if (fn(arg, &p) == -1)
			return -1;
		if (dbip_cmp(&end, last) >= 0)
			return 0;
		/* cur = end + 1 (end < last, so no overflow). */
		cur = end;
		carry = 1;
		for (i = (first->af == 4 ? 4 : 16); i-- > 0 && carry;) {
			cur.b[i]++;
			carry = cur.b[i] == 0;
		}
	}
}

struct dbip_split_arg {
	struct dbip_row *row;
	int (*fn)(void *, const struct dbip_row *, struct errbuf *);
	void *arg;
	struct errbuf *eb;
};

static int
dbip_emit(void *arg, const struct prefix *p)
{
	struct dbip_split_arg *s = arg;

	s->row->prefix = *p;
	return s->fn(s->arg, s->row, s->eb);
}

static int
dbip_line(char *line,
    int (*fn)(void *arg, const struct dbip_row *row, struct errbuf *eb),
    void *arg, struct errbuf *eb)
{
	char *f[DB_NFIELDS];
	struct addr first, last;
	struct dbip_row row;
	struct dbip_split_arg s;
	size_t i;

	if (dbip_fields(line, f, eb) == -1)
		return -1;
	if (addr_parse(f[DB_START], &first, eb) == -1)
		return errbuf_prefix(eb, "ip_start");
	if (addr_parse(f[DB_END], &last, eb) == -1)
		return errbuf_prefix(eb, "ip_end");
	if (first.af != last.af)
		return errbuf_set(
		    eb, "ip_start and ip_end of different families");
	if (dbip_cmp(&first, &last) > 0)
		return errbuf_set(
		    eb, "ip_start %s after ip_end %s", f[DB_START], f[DB_END]);
	memset(&row, 0, sizeof(row));
	if (f[DB_COUNTRY][0] != '\0') {
		if (strlen(f[DB_COUNTRY]) != 2 ||
		    !isalpha((unsigned char)f[DB_COUNTRY][0]) ||
		    !isalpha((unsigned char)f[DB_COUNTRY][1]))
			return errbuf_set(eb,
			    "country \"%s\" is not an ISO 3166-1 alpha-2 code",
			    f[DB_COUNTRY]);
		for (i = 0; i < 2; i++)
			f[DB_COUNTRY][i] =
			    (char)toupper((unsigned char)f[DB_COUNTRY][i]);
		row.country = f[DB_COUNTRY];
	}
	if (strlen(f[DB_REGION]) > 200 || strlen(f[DB_CITY]) > 200)
		return errbuf_set(eb, "region or city longer than 200 bytes");
	row.region = f[DB_REGION][0] != '\0' ? f[DB_REGION] : NULL;
	row.city = f[DB_CITY][0] != '\0' ? f[DB_CITY] : NULL;
	if (dbip_degrees(f[DB_LAT], 90, "latitude", &row.lat, eb) == -1 ||
	    dbip_degrees(f[DB_LON], 180, "longitude", &row.lon, eb) == -1)
		return -1;
	s.row = &row;
	s.fn = fn;
	s.arg = arg;
	s.eb = eb;
	return import_dbip_split(&first, &last, dbip_emit, &s);
}

int
import_dbip_parse(const char *data, size_t len,
    int (*fn)(void *arg, const struct dbip_row *row, struct errbuf *eb),
    void *arg, size_t *ranges, struct errbuf *eb)
{
	char line[DBIP_LINE_MAX + 1];
	const char *p = data, *end = data + len;
	size_t lineno = 0;
	long n;

	*ranges = 0;
	while (p < end) {
		lineno++;
		if ((n = import_line(
			 &p, end, line, DBIP_LINE_MAX, lineno, eb)) == -1)
			return -1;
		if (n == 0)
			continue;
		if (dbip_line(line, fn, arg, eb) == -1)
			return errbuf_prefix(eb, "line %zu", lineno);
		(*ranges)++;
	}
	return 0;
}
