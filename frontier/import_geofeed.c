/*
 * import_geofeed.c --
 *	RFC 8805 self-published geofeeds: CSV lines
 *	"ip_prefix,alpha2code,region,city,postal_code", '#' comment lines, no
 *	quoting (RFC 8805 section 2.1.1 forbids none, but no feed uses it and
 *	we refuse a '"' rather than guess).  Trailing fields may be empty or
 *	absent.  The country (ISO 3166-1 alpha-2), region (ISO 3166-2) and city
 *	become the location label "City, REGION, CC" of each prefix.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "import.h"

/* Longest line accepted (bytes). */
#define GEOFEED_LINE_MAX 1024

/* Fields of interest, in RFC 8805 order. */
enum { GF_PREFIX, GF_COUNTRY, GF_REGION, GF_CITY, GF_POSTAL, GF_NFIELDS };

/* Trim white space around [*s, *e). */
static void
geofeed_trim(char **s, char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
	**e = '\0';
}

static int
geofeed_line(char *line, struct prefix *pfx, char **f, char *label,
    size_t labellen, struct errbuf *eb)
{
	char *s = line, *comma, *e;
	size_t n = 0, i;
	int k;

	for (k = 0; k < GF_NFIELDS; k++)
		f[k] = NULL;

	if (strchr(line, '"') != NULL)
		return errbuf_set(eb, "quoted CSV fields are not supported");
	for (n = 0; n < GF_NFIELDS && s != NULL; n++) {
		comma = strchr(s, ',');
		e = comma != NULL ? comma : s + strlen(s);
		geofeed_trim(&s, &e);
		f[n] = s;
		s = comma != NULL ? comma + 1 : NULL;
	}
	if (prefix_parse(f[GF_PREFIX], pfx, eb) == -1)
		return errbuf_prefix(eb, "prefix");
	if (f[GF_COUNTRY] != NULL && f[GF_COUNTRY][0] != '\0') {
		if (strlen(f[GF_COUNTRY]) != 2 ||
		    !isalpha((unsigned char)f[GF_COUNTRY][0]) ||
		    !isalpha((unsigned char)f[GF_COUNTRY][1]))
			return errbuf_set(eb,
			    "country \"%s\" is not an ISO "
			    "3166-1 alpha-2 code",
			    f[GF_COUNTRY]);
		for (i = 0; i < 2; i++)
			f[GF_COUNTRY][i] =
			    (char)toupper((unsigned char)f[GF_COUNTRY][i]);
	}
	/* "City, REGION, CC" from the non-empty parts. */
	label[0] = '\0';
	n = 0;
	for (k = GF_CITY; k >= GF_COUNTRY; k--) {
		if (f[k] == NULL || f[k][0] == '\0')
			continue;
		i = strlen(label);
		if (snprintf(label + i, labellen - i, "%s%s", i > 0 ? ", " : "",
			f[k]) >= (int)(labellen - i))
			return errbuf_set(
			    eb, "location longer than %zu bytes", labellen - 1);
	}
	return 0;
}

int
import_geofeed_rows(const char *data, size_t len,
    int (*fn)(
	void *arg, const struct import_geofeed_row *row, struct errbuf *eb),
    void *arg, struct errbuf *eb)
{
	char line[GEOFEED_LINE_MAX + 1], label[IMPORT_LABEL_MAX + 1];
	char *f[GF_NFIELDS];
	const char *p = data, *end = data + len;
	struct import_geofeed_row row;
	size_t lineno = 0, n;

	while (p < end) {
		lineno++;
		if (import_line(&p, end, line, GEOFEED_LINE_MAX, lineno, eb) ==
		    -1)
			return -1;
		n = strspn(line, " \t\r");
		if (line[n] == '#' ||
		    line[n + strspn(line + n, " \t\r")] == '\0')
			continue;
		if (geofeed_line(
			line, &row.prefix, f, label, sizeof(label), eb) == -1)
			return errbuf_prefix(eb, "line %zu", lineno);
		row.country = f[GF_COUNTRY] != NULL && f[GF_COUNTRY][0] != '\0'
		    ? f[GF_COUNTRY]
		    : NULL;
		row.region = f[GF_REGION] != NULL && f[GF_REGION][0] != '\0'
		    ? f[GF_REGION]
		    : NULL;
		row.city = f[GF_CITY] != NULL && f[GF_CITY][0] != '\0'
		    ? f[GF_CITY]
		    : NULL;
		row.label = label[0] != '\0' ? label : NULL;
		if (fn(arg, &row, eb) == -1)
			return errbuf_prefix(eb, "line %zu", lineno);
	}
	return 0;
}

/* The target sink sees the prefix and its label. */
static int
geofeed_to_sink(
    void *arg, const struct import_geofeed_row *row, struct errbuf *eb)
{
	const struct import_sink *sink = arg;

	return sink->prefix(sink->arg, &row->prefix, row->label, eb);
}

static int
geofeed_parse(const char *data, size_t len, const struct import_sink *sink,
    struct errbuf *eb)
{
	return import_geofeed_rows(
	    data, len, geofeed_to_sink, (void *)(uintptr_t)sink, eb);
}

const struct import_format import_geofeed = {
	"geofeed",
	"RFC 8805 CSV geofeed (prefix,country,region,city,postal)",
	geofeed_parse,
};
