/*
 * import_formats.c --
 *	The table of bootstrap formats and the helpers the JSON formats share.
 */
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "import.h"

const struct import_format *const import_formats[] = {
	&import_aws,
	&import_gcp,
	&import_azure,
	&import_oracle,
	&import_list,
	&import_geofeed,
	NULL,
};

const struct import_format *
import_format_find(const char *name)
{
	size_t i;

	for (i = 0; import_formats[i] != NULL; i++)
		if (strcmp(import_formats[i]->name, name) == 0)
			return import_formats[i];
	return NULL;
}

long
import_line(const char **p, const char *end, char *line, size_t max,
    size_t lineno, struct errbuf *eb)
{
	const char *nl;
	size_t n;

	if ((nl = memchr(*p, '\n', (size_t)(end - *p))) == NULL)
		nl = end;
	n = (size_t)(nl - *p);
	if (n > 0 && (*p)[n - 1] == '\r')
		n--;
	if (n > max)
		return errbuf_set(
		    eb, "line %zu: longer than %zu bytes", lineno, max);
	memcpy(line, *p, n);
	line[n] = '\0';
	*p = nl < end ? nl + 1 : end;
	if (memchr(line, '\0', n) != NULL)
		return errbuf_set(eb, "line %zu: NUL byte", lineno);
	return (long)n;
}

int
import_json_prefix(yajl_val v, const char *path, const struct import_sink *sink,
    struct errbuf *eb)
{
	struct prefix p;

	if (!YAJL_IS_STRING(v))
		return errbuf_set(
		    eb, "%s: %s", path, v == NULL ? "missing" : "not a string");
	if (prefix_parse(YAJL_GET_STRING(v), &p, eb) == -1)
		return errbuf_prefix(eb, "%s", path);
	if (sink->prefix(sink->arg, &p, NULL, eb) == -1)
		return errbuf_prefix(eb, "%s", path);
	return 0;
}

int
import_json_array(yajl_val obj, const char *path, const char *key, int required,
    yajl_val *out, struct errbuf *eb)
{
	yajl_val v;
	const char *dot = path[0] != '\0' ? "." : "";

	*out = NULL;
	if (!YAJL_IS_OBJECT(obj))
		return errbuf_set(eb, "%s: not an object",
		    path[0] != '\0' ? path : "top level");
	if ((v = json_get(obj, key)) == NULL) {
		if (required)
			return errbuf_set(
			    eb, "%s%s%s: missing", path, dot, key);
		return 0;
	}
	if (!YAJL_IS_ARRAY(v))
		return errbuf_set(eb, "%s%s%s: not an array", path, dot, key);
	*out = v;
	return 0;
}

/*
 * Where a JSON text breaks: run yajl's stream parser (no callbacks) over it
 * and turn the bytes it consumed into a line and column, since the tree
 * parser's message does not say.  'premature EOF' ends at the last byte.
 */
static void
import_json_where(const char *data, size_t len, size_t *line, size_t *col)
{
	yajl_handle h;
	yajl_status st;
	size_t at = len, i;

	*line = 1;
	*col = 1;
	if ((h = yajl_alloc(NULL, NULL, NULL)) == NULL)
		return;
	st = yajl_parse(h, (const unsigned char *)data, len);
	/* yajl counts the offending byte as consumed: point at it. */
	if (st == yajl_status_error && (at = yajl_get_bytes_consumed(h)) > 0)
		at--;
	yajl_free(h);
	if (at > len)
		at = len;
	for (i = 0; i < at; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

yajl_val
import_json_parse(const char *data, size_t len, struct errbuf *eb)
{
	yajl_val root;
	size_t line, col;

	if ((root = json_parse(data, len, eb)) != NULL)
		return root;
	import_json_where(data, len, &line, &col);
	errbuf_prefix(eb, "line %zu, column %zu", line, col);
	return NULL;
}
