/*
 * conf.c --
 *	Validated configuration on top of libconfig (see conf.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"

struct conf {
	config_t cfg;
	char *name;          /* file name, for messages */
	const char ***lists; /* arrays handed out by conf_str_list */
	size_t nlists;
};

static struct conf *
conf_new(const char *name, struct errbuf *eb)
{
	struct conf *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->name = strdup(name)) == NULL) {
		free(c);
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	config_init(&c->cfg);
	return c;
}

static struct conf *
conf_parsed(struct conf *c, int ok, struct errbuf *eb)
{
	if (ok == CONFIG_TRUE)
		return c;
	if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO)
		errbuf_set(eb, "%s: cannot read: %s", c->name, strerror(errno));
	else
		errbuf_set(eb, "%s:%d: %s", c->name, config_error_line(&c->cfg),
		    config_error_text(&c->cfg));
	conf_free(c);
	return NULL;
}

struct conf *
conf_load(const char *path, struct errbuf *eb)
{
	struct conf *c;

	if ((c = conf_new(path, eb)) == NULL)
		return NULL;
	return conf_parsed(c, config_read_file(&c->cfg, path), eb);
}

struct conf *
conf_load_string(const char *text, const char *name, struct errbuf *eb)
{
	struct conf *c;

	if ((c = conf_new(name, eb)) == NULL)
		return NULL;
	return conf_parsed(c, config_read_string(&c->cfg, text), eb);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nlists; i++)
		free(c->lists[i]);
	free(c->lists);
	config_destroy(&c->cfg);
	free(c->name);
	free(c);
}

static int
is_known(const char *path, const char *const *known)
{
	size_t n = strlen(path);

	for (; *known != NULL; known++) {
		if (strcmp(*known, path) == 0)
			return 1;
		/* A group is known when one of its members is. */
		if (strncmp(*known, path, n) == 0 && (*known)[n] == '.')
			return 1;
	}
	return 0;
}

static int
check_group(const struct conf *c, config_setting_t *g, const char *prefix,
    const char *const *known, struct errbuf *eb)
{
	config_setting_t *s;
	char path[256];
	int i, n;

	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (config_setting_name(s) == NULL)
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", prefix,
			prefix[0] != '\0' ? "." : "",
			config_setting_name(s)) >= (int)sizeof(path))
			return errbuf_set(eb, "%s:%d: setting name too long",
			    c->name, config_setting_source_line(s));
		if (!is_known(path, known))
			return errbuf_set(eb, "%s:%d: unknown setting \"%s\"",
			    c->name, config_setting_source_line(s), path);
		if (config_setting_type(s) == CONFIG_TYPE_GROUP &&
		    check_group(c, s, path, known, eb) == -1)
			return -1;
	}
	return 0;
}

int
conf_check_known(
    const struct conf *c, const char *const *known, struct errbuf *eb)
{
	return check_group(c, config_root_setting(&c->cfg), "", known, eb);
}

/* Look 'path' up; NULL when absent.  config_lookup takes a non-const. */
static config_setting_t *
lookup(const struct conf *c, const char *path)
{
	return config_lookup((config_t *)(uintptr_t)&c->cfg, path);
}

static int
type_error(const struct conf *c, config_setting_t *s, const char *path,
    const char *want, struct errbuf *eb)
{
	return errbuf_set(eb, "%s:%d: setting \"%s\" must be %s", c->name,
	    config_setting_source_line(s), path, want);
}

int
conf_int(const struct conf *c, const char *path, long long def, long long min,
    long long max, long long *out, struct errbuf *eb)
{
	config_setting_t *s;
	long long v;

	if ((s = lookup(c, path)) == NULL) {
		*out = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return type_error(c, s, path, "an integer", eb);
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return errbuf_set(eb,
		    "%s:%d: setting \"%s\" is %lld, must be "
		    "between %lld and %lld",
		    c->name, config_setting_source_line(s), path, v, min, max);
	*out = v;
	return 0;
}

int
conf_double(const struct conf *c, const char *path, double def, double min,
    double max, double *out, struct errbuf *eb)
{
	config_setting_t *s;
	double v;

	if ((s = lookup(c, path)) == NULL) {
		*out = def;
		return 0;
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	default:
		return type_error(c, s, path, "a number", eb);
	}
	if (!(v >= min && v <= max))
		return errbuf_set(eb,
		    "%s:%d: setting \"%s\" is %g, must be "
		    "between %g and %g",
		    c->name, config_setting_source_line(s), path, v, min, max);
	*out = v;
	return 0;
}

int
conf_bool(const struct conf *c, const char *path, int def, int *out,
    struct errbuf *eb)
{
	config_setting_t *s;

	if ((s = lookup(c, path)) == NULL) {
		*out = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return type_error(c, s, path, "true or false", eb);
	*out = config_setting_get_bool(s);
	return 0;
}

int
conf_str(const struct conf *c, const char *path, const char *def, int required,
    const char **out, struct errbuf *eb)
{
	config_setting_t *s;

	if ((s = lookup(c, path)) == NULL) {
		if (required && def == NULL)
			return errbuf_set(eb,
			    "%s: required setting \"%s\" "
			    "is missing",
			    c->name, path);
		*out = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return type_error(c, s, path, "a string", eb);
	*out = config_setting_get_string(s);
	if (required && **out == '\0')
		return errbuf_set(eb, "%s:%d: setting \"%s\" must not be empty",
		    c->name, config_setting_source_line(s), path);
	return 0;
}

int
conf_str_list(struct conf *c, const char *path, const char ***out, size_t *n,
    struct errbuf *eb)
{
	config_setting_t *s, *e;
	const char **v, ***lists;
	int i, len = 0;

	if ((s = lookup(c, path)) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(s) != CONFIG_TYPE_LIST)
			return type_error(c, s, path, "a list of strings", eb);
		len = config_setting_length(s);
	}
	lists = reallocarray(c->lists, c->nlists + 1, sizeof(*lists));
	if (lists == NULL)
		return errbuf_set(eb, "out of memory");
	c->lists = lists;
	if ((v = calloc((size_t)len + 1, sizeof(*v))) == NULL)
		return errbuf_set(eb, "out of memory");
	c->lists[c->nlists++] = v;
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return errbuf_set(eb,
			    "%s:%d: element %d of \"%s\" "
			    "must be a string",
			    c->name, config_setting_source_line(e), i + 1,
			    path);
		v[i] = config_setting_get_string(e);
	}
	*out = v;
	*n = (size_t)len;
	return 0;
}
