/*
 * settings.c --
 *	Loading etc/worker.conf (see settings.h).
 */
#include <string.h>

#include "settings.h"

/* Every key the file may hold; anything else is a typo (conf.h). */
static const char *const known[] = {
	"rate_pps",
	"target_interval_ms",
	"user",
	"allow",
	"bogons",
	"log_level",
	NULL,
};

static void
settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->rate_pps = SETTINGS_DEF_RATE_PPS;
	s->target_interval_ms = SETTINGS_DEF_INTERVAL_MS;
	s->user = SETTINGS_DEF_USER;
	s->allow = (struct prefix_set)PREFIX_SET_INIT;
	s->deny = (struct prefix_set)PREFIX_SET_INIT;
	s->log_level = LOG_LVL_INFO;
}

int
settings_load(struct settings *s, const char *path, struct errbuf *eb)
{
	const char **list, *level;
	long long v;
	size_t n, i;
	int rc = -1;

	settings_defaults(s);
	if (path == NULL)
		return 0;
	if ((s->conf = conf_load(path, eb)) == NULL)
		goto out;
	if (conf_check_known(s->conf, known, eb) == -1)
		goto out;
	if (conf_int(s->conf, "rate_pps", SETTINGS_DEF_RATE_PPS, 1, 1000000, &v,
		eb) == -1)
		goto out;
	s->rate_pps = (int)v;
	if (conf_int(s->conf, "target_interval_ms", SETTINGS_DEF_INTERVAL_MS, 0,
		86400000, &v, eb) == -1)
		goto out;
	s->target_interval_ms = (int)v;
	if (conf_str(s->conf, "user", SETTINGS_DEF_USER, 1, &s->user, eb) == -1)
		goto out;
	if (conf_str_list(s->conf, "allow", &list, &n, eb) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (prefix_set_add_str(&s->allow, list[i], eb) == -1) {
			errbuf_prefix(eb, "%s: allow[%zu]", path, i);
			goto out;
		}
	if (conf_str(s->conf, "bogons", NULL, 0, &s->bogons, eb) == -1)
		goto out;
	if (s->bogons != NULL && *s->bogons != '\0' &&
	    prefix_set_load(&s->deny, s->bogons, eb) == -1)
		goto out;
	if (conf_str(s->conf, "log_level", "info", 1, &level, eb) == -1)
		goto out;
	if (log_level_parse(level, &s->log_level) == -1) {
		errbuf_set(eb,
		    "%s: log_level: \"%s\" is not error, warn, info or debug",
		    path, level);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

void
settings_free(struct settings *s)
{
	prefix_set_free(&s->allow);
	prefix_set_free(&s->deny);
	conf_free(s->conf);
	s->conf = NULL;
}
