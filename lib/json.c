/*
 * json.c --
 *	yajl helpers (see json.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/*
 * Reject documents nested deeper than JSON_MAX_DEPTH by scanning brackets
 * outside strings.  yajl's tree builder recurses per level, so a hostile
 * "[[[[..." of a megabyte would otherwise cost a deep stack.
 */
static int
depth_ok(const char *text, size_t len)
{
	size_t i;
	int depth = 0, instr = 0, esc = 0;

	for (i = 0; i < len; i++) {
		char ch = text[i];

		if (instr) {
			if (esc)
				esc = 0;
			else if (ch == '\\')
				esc = 1;
			else if (ch == '"')
				instr = 0;
			continue;
		}
		if (ch == '"')
			instr = 1;
		else if (ch == '[' || ch == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return 0;
		} else if (ch == ']' || ch == '}')
			depth--;
	}
	return 1;
}

yajl_val
json_parse(const char *text, size_t len, struct errbuf *eb)
{
	char yerr[256];
	char *copy;
	yajl_val v;
	size_t n;

	if (memchr(text, '\0', len) != NULL) {
		errbuf_set(eb, "invalid JSON: NUL byte in input");
		return NULL;
	}
	if (!depth_ok(text, len)) {
		errbuf_set(eb, "invalid JSON: nested deeper than %d levels",
		    JSON_MAX_DEPTH);
		return NULL;
	}
	/* yajl_tree_parse wants a NUL-terminated string. */
	if ((copy = malloc(len + 1)) == NULL) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	yerr[0] = '\0';
	v = yajl_tree_parse(copy, yerr, sizeof(yerr));
	free(copy);
	if (v == NULL) {
		/* yajl's message spans lines; keep the first. */
		n = strcspn(yerr, "\n");
		yerr[n] = '\0';
		errbuf_set(eb, "invalid JSON: %s",
		    yerr[0] != '\0' ? yerr : "parse error");
	}
	return v;
}

yajl_val
json_get(yajl_val obj, const char *key)
{
	size_t i;

	if (obj == NULL || !YAJL_IS_OBJECT(obj))
		return NULL;
	for (i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

/* Common prologue: absent or JSON null means "use the default". */
static int
field(yajl_val obj, const char *key, int required, yajl_val *out,
    struct errbuf *eb)
{
	yajl_val v = json_get(obj, key);

	if (v == NULL || YAJL_IS_NULL(v)) {
		*out = NULL;
		if (required)
			return errbuf_set(eb, "\"%s\": missing", key);
		return 0;
	}
	*out = v;
	return 0;
}

int
json_int(yajl_val obj, const char *key, int required, int64_t def, int64_t min,
    int64_t max, int64_t *out, struct errbuf *eb)
{
	yajl_val v;

	if (field(obj, key, required, &v, eb) == -1)
		return -1;
	if (v == NULL) {
		*out = def;
		return 0;
	}
	/* yajl marks integers that overflow int64 as doubles only. */
	if (!YAJL_IS_INTEGER(v))
		return errbuf_set(eb, "\"%s\": must be an integer", key);
	if (YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max)
		return errbuf_set(eb,
		    "\"%s\": %lld is out of range "
		    "[%lld, %lld]",
		    key, (long long)YAJL_GET_INTEGER(v), (long long)min,
		    (long long)max);
	*out = YAJL_GET_INTEGER(v);
	return 0;
}

int
json_double(yajl_val obj, const char *key, int required, double def, double min,
    double max, double *out, struct errbuf *eb)
{
	yajl_val v;
	double d;

	if (field(obj, key, required, &v, eb) == -1)
		return -1;
	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!YAJL_IS_NUMBER(v))
		return errbuf_set(eb, "\"%s\": must be a number", key);
	d = YAJL_IS_INTEGER(v) ? (double)YAJL_GET_INTEGER(v)
			       : YAJL_GET_DOUBLE(v);
	if (!isfinite(d) || d < min || d > max)
		return errbuf_set(eb, "\"%s\": %g is out of range [%g, %g]",
		    key, d, min, max);
	*out = d;
	return 0;
}

int
json_bool(yajl_val obj, const char *key, int required, int def, int *out,
    struct errbuf *eb)
{
	yajl_val v;

	if (field(obj, key, required, &v, eb) == -1)
		return -1;
	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return errbuf_set(eb, "\"%s\": must be true or false", key);
	*out = YAJL_IS_TRUE(v);
	return 0;
}

int
json_str(yajl_val obj, const char *key, int required, const char *def,
    size_t maxlen, const char **out, struct errbuf *eb)
{
	yajl_val v;

	if (field(obj, key, required, &v, eb) == -1)
		return -1;
	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!YAJL_IS_STRING(v) || v->u.string == NULL)
		return errbuf_set(eb, "\"%s\": must be a string", key);
	if (strlen(v->u.string) > maxlen)
		return errbuf_set(
		    eb, "\"%s\": longer than %zu bytes", key, maxlen);
	*out = v->u.string;
	return 0;
}

static void
json_out_print(void *ctx, const char *s, size_t len)
{
	struct json_out *j = ctx;

	/* A failed append is noticed by json_out_* through the length. */
	(void)buf_append(j->out, s, len);
}

int
json_out_init(struct json_out *j, struct buf *out)
{
	j->out = out;
	if ((j->g = yajl_gen_alloc(NULL)) == NULL)
		return -1;
	/* Several documents per buf: one result per line. */
	yajl_gen_config(j->g, yajl_gen_beautify, 0);
	yajl_gen_config(j->g, yajl_gen_print_callback, json_out_print, j);
	return 0;
}

void
json_out_free(struct json_out *j)
{
	if (j != NULL && j->g != NULL) {
		yajl_gen_free(j->g);
		j->g = NULL;
	}
}

/* Map a yajl status to 0/-1, failing also when the buf could not grow. */
static int
gen_ok(struct json_out *j, yajl_gen_status st, size_t before, size_t wrote)
{
	if (st != yajl_gen_status_ok)
		return -1;
	return j->out->len >= before + wrote ? 0 : -1;
}

int
json_out_key(struct json_out *j, const char *key)
{
	size_t before = j->out->len;

	if (key == NULL)
		return 0;
	return gen_ok(j,
	    yajl_gen_string(j->g, (const unsigned char *)key, strlen(key)),
	    before, 1);
}

int
json_out_str(struct json_out *j, const char *key, const char *v)
{
	size_t before;

	if (json_out_key(j, key) == -1)
		return -1;
	if (v == NULL)
		return json_out_null(j, NULL);
	before = j->out->len;
	return gen_ok(j,
	    yajl_gen_string(j->g, (const unsigned char *)v, strlen(v)), before,
	    2);
}

int
json_out_int(struct json_out *j, const char *key, int64_t v)
{
	size_t before;

	if (json_out_key(j, key) == -1)
		return -1;
	before = j->out->len;
	return gen_ok(j, yajl_gen_integer(j->g, (long long)v), before, 1);
}

int
json_out_double(struct json_out *j, const char *key, double v)
{
	char num[64];
	int n;
	size_t before;

	if (json_out_key(j, key) == -1)
		return -1;
	if (!isfinite(v))
		return -1;
	/*
	 * yajl prints doubles with %.20g, which turns 1.1 into
	 * 1.1000000000000000888; measurements carry at most microseconds, so
	 * print the shortest faithful form of three decimals instead.
	 */
	n = snprintf(num, sizeof(num), "%.3f", v);
	while (n > 1 && num[n - 1] == '0' && strchr(num, '.') != NULL)
		num[--n] = '\0';
	if (n > 1 && num[n - 1] == '.')
		num[--n] = '\0';
	before = j->out->len;
	return gen_ok(j, yajl_gen_number(j->g, num, (size_t)n), before, 1);
}

int
json_out_bool(struct json_out *j, const char *key, int v)
{
	size_t before;

	if (json_out_key(j, key) == -1)
		return -1;
	before = j->out->len;
	return gen_ok(j, yajl_gen_bool(j->g, v), before, 4);
}

int
json_out_null(struct json_out *j, const char *key)
{
	size_t before;

	if (json_out_key(j, key) == -1)
		return -1;
	before = j->out->len;
	return gen_ok(j, yajl_gen_null(j->g), before, 4);
}

int
json_out_open(struct json_out *j, const char *key, int array)
{
	size_t before;

	if (json_out_key(j, key) == -1)
		return -1;
	before = j->out->len;
	return gen_ok(j,
	    array ? yajl_gen_array_open(j->g) : yajl_gen_map_open(j->g), before,
	    1);
}

int
json_out_close(struct json_out *j, int array)
{
	size_t before = j->out->len;

	return gen_ok(j,
	    array ? yajl_gen_array_close(j->g) : yajl_gen_map_close(j->g),
	    before, 1);
}

void
json_out_next(struct json_out *j)
{
	yajl_gen_reset(j->g, "\n");
}
